"""Whatever text or bytes come in, the parsers answer with their own error or a valid value."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.throttling import (
    LoginLimits,
    LoginThrottle,
    RegistrationLimits,
    RegistrationThrottle,
)
from domain.email import MAX_EMAIL_LENGTH, Email
from domain.errors import InvalidEmail, TooManyAttempts, WeakPassword
from domain.password import PasswordPolicy
from tests.fakes.security import FixedClock
from tests.fakes.throttling import InMemoryAttemptCounter

decoded_bytes = st.binary(max_size=400).flatmap(
    lambda raw: st.sampled_from(
        [
            raw.decode("latin-1"),
            raw.decode("utf-8", "replace"),
            raw.decode("utf-8", "surrogateescape"),  # lone surrogates, as str allows
        ]
    )
)
any_text = st.text(max_size=400) | decoded_bytes | st.text(min_size=250, max_size=2000)
POLICY = PasswordPolicy(min_length=8, common_passwords=frozenset({"password", "12345678"}))
ADA = Email.parse("ada@example.com")


@settings(max_examples=400, deadline=None)
@given(raw=any_text)
def test_any_text_or_bytes_is_a_normalized_email_or_invalid_email(raw: str) -> None:
    try:
        email = Email.parse(raw)
    except InvalidEmail:
        return
    assert email.value == email.value.strip().lower()
    assert len(email.value) <= MAX_EMAIL_LENGTH


@settings(max_examples=400, deadline=None)
@given(password=any_text)
def test_any_text_or_bytes_passes_the_password_policy_or_is_weak_password(password: str) -> None:
    try:
        POLICY.check(password, ADA)
    except WeakPassword:
        return
    assert 8 <= len(password) <= 1024
    assert password.casefold() not in {"password", "12345678", "ada@example.com"}


@settings(max_examples=200, deadline=None)
@given(email=any_text, client_ip=st.none() | any_text)
async def test_the_throttles_take_any_email_and_address(email: str, client_ip: str | None) -> None:
    counter = InMemoryAttemptCounter(FixedClock())
    login = LoginThrottle(counter, LoginLimits(max_failures=1, window=timedelta(minutes=1)))
    registration = RegistrationThrottle(counter, RegistrationLimits(max_per_ip=1))

    await login.reserve(email, client_ip)  # and then failed: it stays counted
    await registration.reserve(client_ip)
    for refused in (login.reserve(email, client_ip), registration.reserve(client_ip)):
        with pytest.raises(TooManyAttempts):
            await refused
    assert all(len(key) <= 2100 for key in counter.windows)
