"""The real clock and identifier source."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from application.ports import Clock, IdGenerator


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIds(IdGenerator):
    """uuid4 for rows, 128 random bits for token ids: neither can be guessed or enumerated."""

    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()

    def new_token_id(self) -> str:
        return secrets.token_urlsafe(16)
