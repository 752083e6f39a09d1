from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.mfa.check import SecondFactorCheck
from application.mfa.recovery_codes import RecoveryCodeMaker
from application.ports import Clock, StoreUnavailable, UnitOfWorkFactory
from application.results import Principal
from application.throttling import LoginThrottle
from domain.errors import InvalidCode, MfaAlreadyEnabled, MfaNotEnabled, TooManyAttempts


@dataclass(frozen=True, slots=True)
class ConfirmTotpCommand:
    principal: Principal
    code: str
    client_ip: str | None = None


class ConfirmTotp:
    """Turn a pending TOTP setup on with a first right code, and hand out 10 recovery codes.

    From then on sign-in needs a second factor. A wrong code counts as a failed login of the
    account and toward its cap of wrong codes (docs/api.md "Login throttling").
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        second_factor: SecondFactorCheck,
        recovery_codes: RecoveryCodeMaker,
        throttle: LoginThrottle,
        clock: Clock,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._second_factor = second_factor
        self._recovery_codes = recovery_codes
        self._throttle = throttle
        self._clock = clock
        self._events = events

    async def execute(self, command: ConfirmTotpCommand) -> list[str]:
        """The recovery codes, shown this once. Raise InvalidToken, MfaNotEnabled (no setup
        pending), MfaAlreadyEnabled, TooManyAttempts or InvalidCode."""
        async with self._unit_of_work(read_only=True) as uow:
            user = await account_of(command.principal, uow.users)
            factor = await uow.second_factors.get_totp(user.id)
        if factor is None:
            raise MfaNotEnabled
        if factor.enabled:
            raise MfaAlreadyEnabled
        try:
            reservation = await self._throttle.reserve_code(user, command.client_ip)
        except TooManyAttempts as refused:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.MFA_THROTTLED,
                    user_id=user.id,
                    client_ip=command.client_ip,
                    reason=refused.reason,
                )
            )
            raise
        step = self._second_factor.code_step(factor, command.code)
        if step is None:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.MFA_CODE_FAILED,
                    user_id=user.id,
                    client_ip=command.client_ip,
                    reason="totp_confirm",
                )
            )
            raise InvalidCode  # counted: the reservation stays
        codes, hashes = self._recovery_codes.new_set(user.id)
        try:
            async with self._unit_of_work() as uow:
                await account_of(command.principal, uow.users)
                if not await uow.second_factors.confirm_totp(user.id, step, self._clock.now()):
                    raise MfaNotEnabled  # replaced or confirmed by a concurrent request
                await uow.second_factors.replace_recovery_codes(user.id, hashes)
                await uow.commit()
        except (StoreUnavailable, MfaNotEnabled):
            await reservation.give_back()
            raise
        await reservation.succeeded()
        self._events.record(SecurityEvent(SecurityEventKind.MFA_ENABLED, user_id=user.id))
        return codes
