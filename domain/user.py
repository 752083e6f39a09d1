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

    def change_password_hash(self, password_hash: str) -> None:
        self.password_hash = password_hash
