"""The account behind an access token, loaded the one way every bearer use case loads it."""

from __future__ import annotations

from application.ports import UserRepository
from application.results import Principal
from domain.user import User, ensure_current


async def account_of(principal: Principal, users: UserRepository) -> User:
    """The account `principal` speaks for, read with one query; raise InvalidToken when it was
    deleted or disabled, or its credentials changed since the token was made (its `cv` is not
    the account's: a password change or reset, logout-all, a disable). Access tokens are
    stateless, so this is what makes them die with their credentials (docs/api.md "Refresh
    sessions")."""
    return ensure_current(await users.get(principal.user_id), principal.credentials_version)
