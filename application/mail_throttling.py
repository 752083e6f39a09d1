"""Limits on the requests that send mail (docs/api.md "Login throttling": forgot-password requests
are limited per (email, client IP) and per client IP like logins, every request counting), over
the AttemptCounter port, in the reserve style of application/throttling.py: a request is counted
before its work, and only an outage or an overload gives its count back. Keys hold SHA-256
digests of the email and the client (an IPv4 address, or an IPv6 address's /64), never either."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.ports import AttemptCounter
from application.throttling import Reservation, client_of
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
    """Every forgot-password request counts, for its (email, client) pair and its client."""

    def __init__(self, counter: AttemptCounter, limits: ForgotPasswordLimits) -> None:
        self._counter = counter
        self._limits = limits

    async def reserve(self, email: str, client_ip: str | None) -> Reservation:
        """Count the request; raise TooManyAttempts, counting nothing, when the pair or the
        client is past its cap. Every outcome keeps the count except an outage or an overload,
        which the caller gives back."""
        pair = _pair_key(email, client_ip)
        address = f"forgot:ip:{_digest(client_of(client_ip))}"
        window = self._limits.window
        on_pair = await self._counter.hit(pair, window)
        if on_pair.count > self._limits.max_per_email_and_ip:
            await self._counter.release(pair)
            raise TooManyAttempts(on_pair.retry_after, "email_and_ip")
        on_address = await self._counter.hit(address, window)
        if on_address.count > self._limits.max_per_ip:
            await Reservation(self._counter, (pair, address)).give_back()
            raise TooManyAttempts(on_address.retry_after, "ip")
        return Reservation(self._counter, (pair, address))


class VerificationMailThrottle:
    """Verification mails asked for per account, so a signed-in client cannot flood an inbox."""

    def __init__(self, counter: AttemptCounter, limits: VerificationMailLimits) -> None:
        self._counter = counter
        self._limits = limits

    async def reserve(self, user_id: UUID) -> Reservation:
        """Count the request; raise TooManyAttempts, counting nothing, past the account's cap."""
        key = f"verify-mail:user:{user_id}"
        attempts = await self._counter.hit(key, self._limits.window)
        if attempts.count > self._limits.max_per_account:
            await self._counter.release(key)
            raise TooManyAttempts(attempts.retry_after, "account")
        return Reservation(self._counter, (key,))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _pair_key(email: str, client_ip: str | None) -> str:
    try:
        normalized = Email.parse(email).value
    except InvalidEmail:  # malformed addresses count too
        normalized = email.strip().casefold()
    pair = f"{normalized}\n{client_of(client_ip)}"
    return f"forgot:pair:{_digest(pair)}"
