from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.accounts import account_of
from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import UnitOfWorkFactory
from application.results import Principal
from domain.errors import PasskeyNotFound


@dataclass(frozen=True, slots=True)
class RemovePasskeyCommand:
    principal: Principal
    passkey_id: str
    """As the client sent it: anything that is not one of its passkeys' ids is simply not found."""


class RemovePasskey:
    """Remove one of the caller's passkeys: it signs nobody in any more."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, events: SecurityEvents) -> None:
        self._unit_of_work = unit_of_work
        self._events = events

    async def execute(self, command: RemovePasskeyCommand) -> None:
        """Raise PasskeyNotFound unless the id names one of the caller's passkeys (a malformed
        id and another account's passkey look the same); InvalidToken as every bearer use case."""
        passkey_id = _parse(command.passkey_id)
        async with self._unit_of_work() as uow:
            user = await account_of(command.principal, uow.users)
            if passkey_id is None or not await uow.passkeys.delete(user.id, passkey_id):
                raise PasskeyNotFound("no such passkey")
            await uow.commit()
        self._events.record(SecurityEvent(SecurityEventKind.PASSKEY_REMOVED, user_id=user.id))


def _parse(raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except ValueError:
        return None
