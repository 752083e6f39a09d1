from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.ports import Clock, UnitOfWorkFactory
from application.results import Principal


@dataclass(frozen=True, slots=True)
class CountSessionsCommand:
    principal: Principal


class CountSessions:
    """How many live sessions the caller has: as many as ListSessions would list."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    async def execute(self, command: CountSessionsCommand) -> int:
        """Raise InvalidToken when the account was deleted or disabled."""
        async with self._unit_of_work(read_only=True) as uow:
            user = await account_of(command.principal, uow.users)
            return await uow.sessions.count_live(user, self._clock.now())
