"""Limits on the requests that send mail (API.md "Login throttling": forgot-password requests are
limited per (email, client IP) and per client IP like logins, every request counting), over the
AttemptCounter port. Keys hold a hash of the email, never the email itself."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.ports import AttemptCounter
from application.throttling import UNKNOWN_CLIENT
from domain.email import Email
from domain.errors import InvalidEmail, TooManyAttempts


@dataclass(frozen=True, slots=True)
class ForgotPasswordLimits:
    max_per_email_and_ip: int = 5
    max_per_ip: int = 100
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class VerificationMailLimits:
    max_per_account: int = 5
    window: timedelta = timedelta(hours=1)


class ForgotPasswordThrottle:
    """Every forgot-password request counts, for its (email, client IP) pair and its address."""

    def __init__(self, counter: AttemptCounter, limits: ForgotPasswordLimits) -> None:
        self._counter = counter
        self._limits = limits

    async def admit(self, email: str, client_ip: str | None) -> None:
        """Count the request; raise TooManyAttempts when the pair or the address is over."""
        window = self._limits.window
        pair = await self._counter.hit(_pair_key(email, client_ip), window)
        address = await self._counter.hit(f"forgot:ip:{client_ip or UNKNOWN_CLIENT}", window)
        if pair.count > self._limits.max_per_email_and_ip:
            raise TooManyAttempts(pair.retry_after, "email_and_ip")
        if address.count > self._limits.max_per_ip:
            raise TooManyAttempts(address.retry_after, "ip")


class VerificationMailThrottle:
    """Verification mails asked for per account, so a signed-in client cannot flood an inbox."""

    def __init__(self, counter: AttemptCounter, limits: VerificationMailLimits) -> None:
        self._counter = counter
        self._limits = limits

    async def admit(self, user_id: UUID) -> None:
        attempts = await self._counter.hit(f"verify-mail:user:{user_id}", self._limits.window)
        if attempts.count > self._limits.max_per_account:
            raise TooManyAttempts(attempts.retry_after, "account")


def _pair_key(email: str, client_ip: str | None) -> str:
    try:
        normalized = Email.parse(email).value
    except InvalidEmail:  # malformed addresses count too
        normalized = email.strip().casefold()
    pair = f"{normalized}\n{client_ip or UNKNOWN_CLIENT}".encode("utf-8", "surrogatepass")
    return f"forgot:pair:{hashlib.sha256(pair).hexdigest()}"
