from __future__ import annotations

from application.ports import UnitOfWorkFactory
from application.results import Principal
from domain.user import User, ensure_active


class GetCurrentUser:
    """The account an access token speaks for."""

    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    async def execute(self, principal: Principal) -> User:
        """Raise InvalidToken when the account was deleted or disabled since the token was made."""
        async with self._unit_of_work(read_only=True) as uow:
            return ensure_active(await uow.users.get(principal.user_id))
