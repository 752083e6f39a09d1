import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.email import Email
from domain.errors import InvalidValue, WeakPassword
from domain.password import MAXIMUM_LENGTH, PasswordPolicy
from tests.builders import an_email

ADA = an_email("ada@example.com")


def test_a_password_of_exactly_the_minimum_length_is_accepted() -> None:
    PasswordPolicy(min_length=15).check("a" * 15, ADA)


def test_a_password_one_short_of_the_minimum_is_refused() -> None:
    with pytest.raises(WeakPassword, match="at least 15"):
        PasswordPolicy(min_length=15).check("a" * 14, ADA)


def test_length_counts_code_points_not_bytes() -> None:
    policy = PasswordPolicy(min_length=15)
    fifteen_emoji = "\N{GRINNING FACE}" * 15  # 60 bytes in UTF-8, 15 code points
    policy.check(fifteen_emoji, ADA)
    with pytest.raises(WeakPassword):
        policy.check(fifteen_emoji[:-1], ADA)


def test_the_default_minimum_is_the_nist_single_factor_fifteen() -> None:
    policy = PasswordPolicy()
    policy.check("x" * 15, ADA)
    with pytest.raises(WeakPassword):
        policy.check("x" * 14, ADA)


def test_a_password_of_1024_characters_is_accepted_and_1025_is_refused() -> None:
    policy = PasswordPolicy()
    assert policy.max_length == MAXIMUM_LENGTH == 1024
    policy.check("x" * 1024, ADA)
    with pytest.raises(WeakPassword, match="at most 1024"):
        policy.check("x" * 1025, ADA)


def test_no_composition_rules_apply() -> None:
    PasswordPolicy().check("all lower case words only", ADA)


@pytest.mark.parametrize(
    "password", ["longaddress@example.com", "LONGADDRESS@EXAMPLE.COM", "LongAddress@Example.com"]
)
def test_a_password_equal_to_the_email_in_any_case_is_refused(password: str) -> None:
    with pytest.raises(WeakPassword, match="email"):
        PasswordPolicy().check(password, Email.parse("longaddress@example.com"))


def test_a_password_that_merely_contains_the_email_is_accepted() -> None:
    PasswordPolicy().check("longaddress@example.com!", Email.parse("longaddress@example.com"))


def test_a_common_password_is_refused_whatever_its_case() -> None:
    policy = PasswordPolicy(common_passwords=frozenset({"password12345678"}))
    for candidate in ("password12345678", "PASSWORD12345678", "Password12345678"):
        with pytest.raises(WeakPassword, match="common"):
            policy.check(candidate, ADA)


def test_a_common_list_entry_with_capitals_still_matches() -> None:
    policy = PasswordPolicy(common_passwords=frozenset({"Password12345678"}))
    with pytest.raises(WeakPassword):
        policy.check("password12345678", ADA)


def test_a_password_not_on_the_common_list_is_accepted() -> None:
    PasswordPolicy(common_passwords=frozenset({"password12345678"})).check("password123456789", ADA)


def test_the_error_names_the_field_it_was_raised_for() -> None:
    with pytest.raises(WeakPassword) as caught:
        PasswordPolicy().check("short", ADA, field="new_password")
    assert isinstance(caught.value, InvalidValue)
    assert caught.value.field == "new_password"


def test_the_error_names_the_password_field_by_default() -> None:
    with pytest.raises(WeakPassword) as caught:
        PasswordPolicy().check("short", ADA)
    assert caught.value.field == "password"


@pytest.mark.parametrize("minimum", [0, 1, 7])
def test_a_minimum_below_eight_is_refused_at_construction(minimum: int) -> None:
    with pytest.raises(ValueError, match="at least 8"):
        PasswordPolicy(min_length=minimum)


def test_a_minimum_of_eight_is_allowed() -> None:
    policy = PasswordPolicy(min_length=8)
    policy.check("x" * 8, ADA)
    with pytest.raises(WeakPassword):
        policy.check("x" * 7, ADA)


def test_a_maximum_below_the_minimum_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="maximum"):
        PasswordPolicy(min_length=20, max_length=19)


POLICY = PasswordPolicy(min_length=8, common_passwords=frozenset({"password", "qwertyuiop"}))


@given(st.text(max_size=40) | st.sampled_from(["PassWord", "ada@EXAMPLE.com", "x" * 1025]))
def test_any_text_either_passes_or_raises_weak_password(password: str) -> None:
    try:
        POLICY.check(password, ADA)
    except WeakPassword:
        return
    assert 8 <= len(password) <= 1024
    assert password.casefold() not in {"password", "qwertyuiop", "ada@example.com"}
