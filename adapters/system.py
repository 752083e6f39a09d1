"""The real clock and identifier source."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from application.ports import Clock, IdGenerator


class SystemClock(Clock):
    """UTC, to the whole second: JWT times are whole seconds (RFC 7519 2, NumericDate), so
    every time the service hands out (token expiry, cookie Max-Age, created_at) agrees."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class RandomIds(IdGenerator):
    """uuid4 for rows, 128 random bits for token ids: neither can be guessed or enumerated."""

    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()

    def new_token_id(self) -> str:
        return secrets.token_urlsafe(16)
