"""How many tries a client gets (docs/api.md "Login throttling"), over the AttemptCounter port.

Keys name a hash of the email, never the email itself, so the counter store holds no addresses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from application.ports import AttemptCounter
from domain.email import Email
from domain.errors import InvalidEmail, TooManyAttempts

UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True, slots=True)
class LoginLimits:
    max_failures: int = 5  # per (normalized email, client IP) in a window
    max_failures_per_ip: int = 100  # per client IP in a window, all emails together
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class RegistrationLimits:
    max_per_ip: int = 20
    window: timedelta = timedelta(hours=1)


class LoginThrottle:
    """Failed logins per (email, client IP) and per client IP; a success clears the pair.

    `admit` counts the attempt for its pair before the password is checked, and `succeeded` takes
    it back: so a burst of concurrent guesses for one pair is cut at the limit too, instead of
    every guess passing a check that only failures, counted later, would update.
    """

    def __init__(self, counter: AttemptCounter, limits: LoginLimits) -> None:
        self._counter = counter
        self._limits = limits

    async def admit(self, email: str, client_ip: str | None) -> None:
        """Raise TooManyAttempts when the pair or the address is over its limit."""
        pair = await self._counter.hit(_pair_key(email, client_ip), self._limits.window)
        address = await self._counter.peek(_address_key(client_ip))
        if pair.count > self._limits.max_failures:
            raise TooManyAttempts(max(pair.retry_after, address.retry_after), "email_and_ip")
        if address.count >= self._limits.max_failures_per_ip:
            raise TooManyAttempts(address.retry_after, "ip")

    async def failed(self, client_ip: str | None) -> None:
        """Count a failure for the address (the pair's was counted at `admit`)."""
        await self._counter.hit(_address_key(client_ip), self._limits.window)

    async def succeeded(self, email: str, client_ip: str | None) -> None:
        await self._counter.reset(_pair_key(email, client_ip))


class RegistrationThrottle:
    """Registration attempts per client IP, whatever their outcome, in a window of an hour."""

    def __init__(self, counter: AttemptCounter, limits: RegistrationLimits) -> None:
        self._counter = counter
        self._limits = limits

    async def admit(self, client_ip: str | None) -> None:
        """Count the attempt; raise TooManyAttempts past the cap."""
        key = f"register:ip:{client_ip or UNKNOWN_CLIENT}"
        attempts = await self._counter.hit(key, self._limits.window)
        if attempts.count > self._limits.max_per_ip:
            raise TooManyAttempts(attempts.retry_after, "ip")


def _pair_key(email: str, client_ip: str | None) -> str:
    try:
        normalized = Email.parse(email).value
    except InvalidEmail:  # counted all the same: guessing at malformed addresses costs tries too
        normalized = email.strip().casefold()
    pair = f"{normalized}\n{client_ip or UNKNOWN_CLIENT}".encode("utf-8", "surrogatepass")
    return f"login:pair:{hashlib.sha256(pair).hexdigest()}"


def _address_key(client_ip: str | None) -> str:
    return f"login:ip:{client_ip or UNKNOWN_CLIENT}"
