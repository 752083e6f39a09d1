from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.mfa.check import SecondFactorCheck, enabled_totp
from application.mfa.recovery_codes import RecoveryCodeMaker
from application.ports import UnitOfWorkFactory
from application.reauthentication import Reauthentication
from application.results import Principal
from domain.errors import MfaNotEnabled
from domain.second_factor import SecondFactorAnswer


@dataclass(frozen=True, slots=True)
class RenewRecoveryCodesCommand:
    principal: Principal
    password: str
    second_factor: SecondFactorAnswer
    client_ip: str | None = None


class RenewRecoveryCodes:
    """Ten fresh recovery codes, with the password and a code; every earlier one is dead."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        second_factor: SecondFactorCheck,
        recovery_codes: RecoveryCodeMaker,
        reauthentication: Reauthentication,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._second_factor = second_factor
        self._recovery_codes = recovery_codes
        self._reauthentication = reauthentication
        self._events = events

    async def execute(self, command: RenewRecoveryCodesCommand) -> list[str]:
        """The new codes, shown this once. Raise InvalidToken, MfaNotEnabled, TooManyAttempts
        or WrongCurrentPassword (a wrong password, or a missing or wrong code)."""
        async with self._unit_of_work(read_only=True) as uow:
            user = await account_of(command.principal, uow.users)
        if await self._second_factor.enabled_factor(user.id) is None:
            raise MfaNotEnabled
        await self._reauthentication.confirm(
            user, command.password, command.client_ip, "recovery_codes", command.second_factor
        )
        codes, hashes = self._recovery_codes.new_set(user.id)
        async with self._unit_of_work() as uow:
            await account_of(command.principal, uow.users)
            if await enabled_totp(uow.second_factors, user.id) is None:
                raise MfaNotEnabled  # removed by a concurrent request meanwhile
            await uow.second_factors.replace_recovery_codes(user.id, hashes)
            await uow.commit()
        self._events.record(
            SecurityEvent(SecurityEventKind.RECOVERY_CODES_RENEWED, user_id=user.id)
        )
        return codes
