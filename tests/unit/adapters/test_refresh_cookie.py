"""The refresh cookie's Set-Cookie header: built directly for token values, and always exactly
what Litestar's own Cookie would send."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from litestar.datastructures import Cookie

from adapters.http.refresh_cookie import COOKIE_PATH, RefreshCookie, TokenCookie
from tests.fakes.security import FixedClock

TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


def both(value: str | None, **attributes: object) -> tuple[tuple[bytes, bytes], ...]:
    fields = {"key": "refresh_token", "value": value, "path": COOKIE_PATH, "httponly": True}
    fields |= {"samesite": "Strict", "max_age": 60, **attributes}
    return TokenCookie(**fields).to_encoded_header(), Cookie(**fields).to_encoded_header()  # type: ignore[arg-type]


@given(
    value=st.text(TOKEN_ALPHABET, min_size=1, max_size=400),
    max_age=st.integers(min_value=0, max_value=10**9),
    secure=st.booleans(),
    key=st.sampled_from(["refresh_token", "__Secure-refresh_token"]),
)
def test_a_token_cookie_is_byte_for_byte_litestars(value, max_age, secure, key):
    ours, litestars = both(value, max_age=max_age, secure=secure, key=key)

    assert ours == litestars


@given(
    value=st.one_of(
        st.none(), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
    ),
    secure=st.booleans(),
)
def test_any_other_value_is_litestars_too(value, secure):
    ours, litestars = both(value, secure=secure)

    assert ours == litestars


def test_other_attributes_are_litestars_too():
    for attributes in (
        {"domain": "example.com"},
        {"expires": 1_800_000_000},
        {"max_age": None},
        {"httponly": False},
        {"samesite": "Lax"},
        {"path": None},
    ):
        ours, litestars = both("a.b-c_d", **attributes)
        assert ours == litestars, attributes


def test_the_issued_and_the_clearing_cookie():
    clock = FixedClock()
    cookie = RefreshCookie(clock, secure=True)

    issued = cookie.issue("a.b.c", clock.now() + timedelta(days=14))
    cleared = cookie.clear()

    assert issued.to_encoded_header() == (
        b"set-cookie",
        b"__Secure-refresh_token=a.b.c; HttpOnly; Max-Age=1209600; Path=/auth; SameSite=Strict;"
        b" Secure",
    )
    assert cleared.to_encoded_header() == (
        b"set-cookie",
        b'__Secure-refresh_token=""; HttpOnly; Max-Age=0; Path=/auth; SameSite=Strict; Secure',
    )
