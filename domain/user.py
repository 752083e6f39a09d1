from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.email import Email


@dataclass(slots=True)
class User:
    """An account. The password hash is opaque here: only the hasher port understands it."""

    id: UUID
    email: Email
    password_hash: str
    created_at: datetime
    is_active: bool = True
    email_verified: bool = False

    def change_password_hash(self, password_hash: str) -> None:
        self.password_hash = password_hash

    def disable(self) -> None:
        """Refuse sign-in, refresh and access tokens from now on; the account and data stay."""
        self.is_active = False

    def enable(self) -> None:
        self.is_active = True

    def verify_email(self) -> None:
        """The owner proved the email is theirs (they followed a link mailed to it)."""
        self.email_verified = True
