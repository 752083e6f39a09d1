"""A signed-in user proves again who they are (the password and, when the account has TOTP, the
second factor) before an action that needs it."""

from __future__ import annotations

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.mfa.check import SecondFactorCheck
from application.ports import Overloaded, PasswordHasher, StoreUnavailable
from application.throttling import LoginThrottle, Reservation
from domain.auth_methods import PASSWORD_AND_CODE, PASSWORD_ONLY, AuthMethods
from domain.errors import TooManyAttempts, WrongCurrentPassword
from domain.second_factor import SecondFactorAnswer, TotpFactor
from domain.user import User

NO_SECOND_FACTOR = SecondFactorAnswer()


class Reauthentication:
    """Checks a signed-in user's current password, and their code when the account has TOTP,
    throttled as a login of that account.

    A wrong password or code is a failed login for the account's email and the client
    (docs/api.md "Login throttling"): the same limits and 429s apply, so a stolen access token
    can guess neither without limit, nor spend argon2 time at will; a code step also counts
    toward the account's cap of wrong codes. Change password, delete account, the TOTP and
    recovery-code actions and passkey registration use it.
    """

    def __init__(
        self,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        events: SecurityEvents,
        second_factor: SecondFactorCheck,
    ) -> None:
        self._hasher = hasher
        self._throttle = throttle
        self._events = events
        self._second_factor = second_factor

    async def confirm(
        self,
        user: User,
        password: str,
        client_ip: str | None,
        action: str,
        answer: SecondFactorAnswer = NO_SECOND_FACTOR,
    ) -> AuthMethods:
        """Return how the user proved it (`amr`): the password, and the code when the account
        has TOTP; on an account without TOTP, `answer` is ignored. `action` names the caller in
        security events.

        Raise TooManyAttempts before any hashing past the limits, or WrongCurrentPassword for a
        wrong password, or a missing or wrong second factor (exactly one of `code` and
        `recovery_code` must be given, and right; it is spent then).
        """
        factor = await self._second_factor.enabled_factor(user.id)
        reservation = await self._reserve(user, client_ip, action, factor)
        spent = False
        try:
            matches = await self._hasher.verify(user.password_hash, password)
            if matches and factor is not None:
                spent = await self._second_factor.spend(factor, answer)
        except (StoreUnavailable, Overloaded):
            await reservation.give_back()  # the service failed, not the guess
            raise
        if not matches:
            self._record(SecurityEventKind.REAUTHENTICATION_FAILED, user, client_ip, action)
            raise WrongCurrentPassword("the current password is wrong")
        if factor is not None and not spent:
            self._record(SecurityEventKind.MFA_CODE_FAILED, user, client_ip, action)
            raise WrongCurrentPassword("the code is missing or wrong")
        await reservation.succeeded()
        return PASSWORD_ONLY if factor is None else PASSWORD_AND_CODE

    async def _reserve(
        self, user: User, client_ip: str | None, action: str, factor: TotpFactor | None
    ) -> Reservation:
        try:
            if factor is None:
                return await self._throttle.reserve(user.email.value, client_ip)
            return await self._throttle.reserve_code(user, client_ip)
        except TooManyAttempts:
            self._record(SecurityEventKind.REAUTHENTICATION_THROTTLED, user, client_ip, action)
            raise

    def _record(
        self, kind: SecurityEventKind, user: User, client_ip: str | None, action: str
    ) -> None:
        self._events.record(
            SecurityEvent(kind, user_id=user.id, client_ip=client_ip, reason=action)
        )
