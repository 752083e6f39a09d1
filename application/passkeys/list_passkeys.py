from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.ports import UnitOfWorkFactory
from application.results import Principal
from domain.passkey import Passkey


@dataclass(frozen=True, slots=True)
class ListPasskeysCommand:
    principal: Principal


class ListPasskeys:
    """The caller's passkeys, newest first."""

    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    async def execute(self, command: ListPasskeysCommand) -> list[Passkey]:
        """Raise InvalidToken when the account was deleted, disabled or its credentials changed."""
        async with self._unit_of_work(read_only=True) as uow:
            user = await account_of(command.principal, uow.users)
            return await uow.passkeys.list_for_user(user.id)
