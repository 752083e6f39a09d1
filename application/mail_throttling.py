"""Limits on the requests that send mail (docs/api.md "Login throttling": forgot-password requests
are limited per (email, client IP) and per client IP like logins, every request counting), over
the AttemptCounter port, in the reserve style of application/throttling.py: a request is counted
before its work, and only an outage or an overload gives its count back. Keys hold SHA-256
digests of the email and the client (an IPv4 address, or an IPv6 address's /64), never either."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.ports import AttemptCounter
from application.throttling import Reservation, client_key, pair_key, reserve_each


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
        held = await reserve_each(
            self._counter,
            self._limits.window,
            (
                pair_key("forgot", email, client_ip),
                self._limits.max_per_email_and_ip,
                "email_and_ip",
            ),
            (client_key("forgot", client_ip), self._limits.max_per_ip, "ip"),
        )
        return Reservation(self._counter, held)


class VerificationMailThrottle:
    """Verification mails asked for per account, so a signed-in client cannot flood an inbox."""

    def __init__(self, counter: AttemptCounter, limits: VerificationMailLimits) -> None:
        self._counter = counter
        self._limits = limits

    async def reserve(self, user_id: UUID) -> Reservation:
        """Count the request; raise TooManyAttempts, counting nothing, past the account's cap."""
        cap = (f"verify-mail:user:{user_id}", self._limits.max_per_account, "account")
        return Reservation(
            self._counter, await reserve_each(self._counter, self._limits.window, cap)
        )
