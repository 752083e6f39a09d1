"""The refresh cookie's Set-Cookie header, as docs/api.md "Token response" spells it."""

from __future__ import annotations

from datetime import timedelta

from entrypoints.http.refresh_cookie import RefreshCookie
from tests.fakes.security import FixedClock


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


def test_without_secure_the_cookie_drops_the_prefix_and_the_attribute():
    clock = FixedClock()
    cookie = RefreshCookie(clock, secure=False)

    _, value = cookie.issue("a.b.c", clock.now() + timedelta(seconds=90)).to_encoded_header()

    assert value == b"refresh_token=a.b.c; HttpOnly; Max-Age=90; Path=/auth; SameSite=Strict"


def test_the_cookie_is_read_by_its_own_name_only():
    cookie = RefreshCookie(FixedClock(), secure=True)

    assert cookie.read({"__Secure-refresh_token": "t"}) == "t"
    assert cookie.read({"refresh_token": "t"}) is None
    assert cookie.read({"__Secure-refresh_token": ""}) is None
