from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.mfa.check import SecondFactorCheck
from application.ports import UnitOfWorkFactory
from application.reauthentication import Reauthentication
from application.results import Principal
from domain.errors import MfaNotEnabled
from domain.second_factor import SecondFactorAnswer


@dataclass(frozen=True, slots=True)
class RemoveTotpCommand:
    principal: Principal
    password: str
    second_factor: SecondFactorAnswer
    client_ip: str | None = None


class RemoveTotp:
    """The owner turns TOTP off, with the password and a code: the factor and its recovery
    codes are gone, and sign-in asks for the password only."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        second_factor: SecondFactorCheck,
        reauthentication: Reauthentication,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._second_factor = second_factor
        self._reauthentication = reauthentication
        self._events = events

    async def execute(self, command: RemoveTotpCommand) -> None:
        """Raise InvalidToken, MfaNotEnabled, TooManyAttempts or WrongCurrentPassword (a wrong
        password, or a missing or wrong code)."""
        async with self._unit_of_work(read_only=True) as uow:
            user = await account_of(command.principal, uow.users)
        if await self._second_factor.enabled_factor(user.id) is None:
            raise MfaNotEnabled
        await self._reauthentication.confirm(
            user, command.password, command.client_ip, "totp_remove", command.second_factor
        )
        async with self._unit_of_work() as uow:
            await account_of(command.principal, uow.users)
            await uow.second_factors.remove_totp(user.id)
            await uow.commit()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.MFA_REMOVED,
                user_id=user.id,
                client_ip=command.client_ip,
                reason="owner",
            )
        )
