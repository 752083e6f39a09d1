import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.email import MAX_EMAIL_LENGTH, Email
from domain.errors import InvalidEmail, InvalidValue


def test_parsing_trims_surrounding_whitespace_and_lower_cases() -> None:
    assert Email.parse("  Ada.Lovelace@Example.COM\t\n").value == "ada.lovelace@example.com"


def test_the_same_address_in_other_case_is_equal() -> None:
    assert Email.parse("ADA@EXAMPLE.COM") == Email.parse("ada@example.com")
    assert hash(Email.parse("ADA@EXAMPLE.COM")) == hash(Email.parse("ada@example.com"))


def test_different_addresses_are_not_equal() -> None:
    assert Email.parse("ada@example.com") != Email.parse("grace@example.com")


def test_an_internationalized_domain_is_kept_in_lower_case_unicode() -> None:
    assert Email.parse("ada@BÜCHER.de").value == "ada@bücher.de"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "ada",
        "ada.example.com",
        "@example.com",
        "ada@",
        "ada@@example.com",
        "ada lovelace@example.com",
        "ada@exa mple.com",
        '"ada lovelace"@example.com',
        "ada@localhost",
        "ada@example.com.",
        "Ada Lovelace <ada@example.com>",
        "<script>@example.com",
    ],
)
def test_garbage_is_refused(raw: str) -> None:
    with pytest.raises(InvalidEmail):
        Email.parse(raw)


def an_address_of_length(length: int) -> str:
    local = "x" * 64  # the local-part limit, RFC 5321 4.5.3.1.1
    last_label = "c" * (length - len(local) - len("@") - 2 * len("a" * 63 + ".") - len(".com"))
    return f"{local}@{'a' * 63}.{'b' * 63}.{last_label}.com"


def test_an_address_at_the_smtp_path_limit_is_accepted() -> None:
    raw = an_address_of_length(MAX_EMAIL_LENGTH)
    assert len(raw) == MAX_EMAIL_LENGTH
    assert Email.parse(raw.upper()).value == raw


def test_an_address_longer_than_the_smtp_path_limit_is_refused() -> None:
    raw = an_address_of_length(MAX_EMAIL_LENGTH + 1)
    assert len(raw) == MAX_EMAIL_LENGTH + 1
    with pytest.raises(InvalidEmail):
        Email.parse(raw)


def test_the_error_names_the_email_field() -> None:
    with pytest.raises(InvalidEmail) as caught:
        Email.parse("not an email")
    assert isinstance(caught.value, InvalidValue)
    assert caught.value.field == "email"
    assert caught.value.message


@pytest.mark.parametrize("raw", ["Ada@example.com", " ada@example.com", "ada@example.com "])
def test_an_unnormalized_email_cannot_be_constructed_directly(raw: str) -> None:
    with pytest.raises(InvalidEmail):
        Email(raw)


def test_an_invalid_email_cannot_be_constructed_directly() -> None:
    with pytest.raises(InvalidEmail):
        Email("not-an-email")


def test_a_normalized_email_can_be_constructed_directly_as_when_loaded_from_storage() -> None:
    assert Email("ada@example.com") == Email.parse("ADA@example.com")


def test_str_is_the_normalized_address() -> None:
    assert str(Email.parse(" Ada@Example.com ")) == "ada@example.com"


addresses = st.one_of(
    st.text(),
    st.emails(),
    st.builds(
        lambda local, pad: f"{pad}{local}@Example.COM{pad}",
        st.text(min_size=1, max_size=12),
        st.sampled_from(["", " ", "\t"]),
    ),
)


@given(addresses)
def test_parsing_any_text_gives_a_normalized_email_or_invalid_email(raw: str) -> None:
    try:
        email = Email.parse(raw)
    except InvalidEmail:
        return
    assert email.value == email.value.strip().lower()
    assert "@" in email.value
    assert len(email.value) <= MAX_EMAIL_LENGTH
    assert Email.parse(email.value) == email
    assert Email(email.value) == email
