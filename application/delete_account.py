from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import UnitOfWorkFactory
from application.reauthentication import NO_SECOND_FACTOR, Reauthentication
from application.results import Principal
from domain.second_factor import SecondFactorAnswer


@dataclass(frozen=True, slots=True)
class DeleteAccountCommand:
    principal: Principal
    password: str
    client_ip: str | None = None
    second_factor: SecondFactorAnswer = NO_SECOND_FACTOR


class DeleteAccount:
    """The owner leaves: after the password (and, with TOTP, a code) is confirmed, the account,
    its sessions, links, second factors and queued mail are gone in one transaction.

    A wrong password counts as a failed login for the account and client IP (docs/api.md "Login
    throttling"), so a stolen access token cannot be used to guess the password.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        events: SecurityEvents,
        reauthentication: Reauthentication,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._events = events
        self._reauthentication = reauthentication

    async def execute(self, command: DeleteAccountCommand) -> None:
        """Raise InvalidToken for a gone or disabled account, TooManyAttempts, or
        WrongCurrentPassword (also for a missing or wrong code when the account has TOTP);
        nothing is deleted then."""
        async with self._unit_of_work(read_only=True) as uow:
            user = await account_of(command.principal, uow.users)
        # The argon2 check happens outside any transaction: no connection waits on it.
        await self._reauthentication.confirm(
            user, command.password, command.client_ip, "delete_account", command.second_factor
        )
        async with self._unit_of_work() as uow:
            # Again inside the deleting transaction: a logout-all, reset or disable may have
            # landed while the password was checked, and the token must fall with it.
            await account_of(command.principal, uow.users)
            await uow.outbox.delete_for_user(user.id)
            await uow.links.delete_for_user(user.id)
            await uow.users.delete(user.id)  # its sessions go with it
            await uow.commit()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.ACCOUNT_DELETED,
                user_id=user.id,
                session_id=command.principal.session_id,
                client_ip=command.client_ip,
            )
        )
