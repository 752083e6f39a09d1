from __future__ import annotations

from application.ports import UnitOfWorkFactory, UserRepository
from application.results import Principal
from domain.errors import InvalidToken
from domain.user import User


async def active_user(users: UserRepository, principal: Principal) -> User:
    """The account `principal` speaks for, read inside the caller's unit of work.

    Access tokens are stateless, so every use case behind a bearer token asks here: raise
    InvalidToken when the account was deleted or disabled since the token was made.
    """
    return ensure_active(await users.get(principal.user_id))


def ensure_active(user: User | None) -> User:
    """The user, unless the account was deleted (None) or disabled: then InvalidToken."""
    if user is None or not user.is_active:
        raise InvalidToken("the account is gone or disabled")
    return user


class GetCurrentUser:
    """The account an access token speaks for."""

    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    async def execute(self, principal: Principal) -> User:
        """Raise InvalidToken when the account was deleted or disabled since the token was made."""
        async with self._unit_of_work(read_only=True) as uow:
            return await active_user(uow.users, principal)
