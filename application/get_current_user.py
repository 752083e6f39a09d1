from __future__ import annotations

from application.accounts import account_of
from application.ports import UnitOfWorkFactory
from application.results import Principal
from domain.user import User


class GetCurrentUser:
    """The account an access token speaks for."""

    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    async def execute(self, principal: Principal) -> User:
        """Raise InvalidToken when the account was deleted or disabled, or its credentials
        changed, since the token was made."""
        async with self._unit_of_work(read_only=True) as uow:
            return await account_of(principal, uow.users)
