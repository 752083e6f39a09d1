from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import UnitOfWorkFactory
from domain.email import Email
from domain.errors import AccountNotFound
from domain.user import User


@dataclass(frozen=True, slots=True)
class RemoveAccountCommand:
    email: str


class RemoveAccount:
    """An operator deletes an account: like DeleteAccount, with no password to confirm; the
    account, its sessions, links and queued mail go in one transaction."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, events: SecurityEvents) -> None:
        self._unit_of_work = unit_of_work
        self._events = events

    async def execute(self, command: RemoveAccountCommand) -> User:
        """Return the account as it was; raise InvalidEmail or AccountNotFound."""
        email = Email.parse(command.email)
        async with self._unit_of_work() as uow:
            user = await uow.users.get_by_email(email)
            if user is None:
                raise AccountNotFound(f"no account has the email {email}")
            await uow.outbox.delete_for_user(user.id)
            await uow.links.delete_for_user(user.id)
            await uow.users.delete(user.id)
            await uow.commit()
        self._events.record(
            SecurityEvent(SecurityEventKind.ACCOUNT_DELETED, user_id=user.id, reason="operator")
        )
        return user
