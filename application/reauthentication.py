"""A signed-in user proves again that they know the password, before an action that needs it."""

from __future__ import annotations

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Overloaded, PasswordHasher, StoreUnavailable
from application.throttling import LoginThrottle, Reservation
from domain.errors import TooManyAttempts, WrongCurrentPassword
from domain.user import User


class Reauthentication:
    """Checks a signed-in user's current password, throttled as a login of that account.

    A wrong password is a failed login for the account's email and the client (API.md "Login
    throttling"): the same limits and 429s apply, so a stolen access token cannot guess the
    password without limit, nor spend argon2 time at will. Change password uses it; so will
    every other action that asks for the password again (deleting the account).
    """

    def __init__(
        self, hasher: PasswordHasher, throttle: LoginThrottle, events: SecurityEvents
    ) -> None:
        self._hasher = hasher
        self._throttle = throttle
        self._events = events

    async def confirm(self, user: User, password: str, client_ip: str | None, action: str) -> None:
        """Return when `password` is the user's. `action` names the caller in security events.

        Raise TooManyAttempts before any hashing past the limits, or WrongCurrentPassword.
        """
        reservation = await self._reserve(user, client_ip, action)
        try:
            matches = await self._hasher.verify(user.password_hash, password)
        except (StoreUnavailable, Overloaded):
            await reservation.give_back()  # the service failed, not the guess
            raise
        if not matches:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.REAUTHENTICATION_FAILED,
                    user_id=user.id,
                    client_ip=client_ip,
                    reason=action,
                )
            )
            raise WrongCurrentPassword("the current password is wrong")
        await reservation.succeeded()

    async def _reserve(self, user: User, client_ip: str | None, action: str) -> Reservation:
        try:
            return await self._throttle.reserve(user.email.value, client_ip)
        except TooManyAttempts:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.REAUTHENTICATION_THROTTLED,
                    user_id=user.id,
                    client_ip=client_ip,
                    reason=action,
                )
            )
            raise
