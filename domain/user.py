from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.email import Email
from domain.errors import InvalidToken


@dataclass(slots=True)
class User:
    """An account. The password hash is opaque here: only the hasher port understands it."""

    id: UUID
    email: Email
    password_hash: str
    created_at: datetime
    is_active: bool = True

    def change_password_hash(self, password_hash: str) -> None:
        self.password_hash = password_hash

    def disable(self) -> None:
        """Refuse sign-in, refresh and access tokens from now on; the account and data stay."""
        self.is_active = False

    def enable(self) -> None:
        self.is_active = True


def ensure_active(user: User | None) -> User:
    """The account a token speaks for, unless it was deleted (None) or disabled since the token
    was made: then InvalidToken, since tokens are stateless and outlive such changes."""
    if user is None or not user.is_active:
        raise InvalidToken("the account is gone or disabled")
    return user
