from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


class TokenType(enum.StrEnum):
    """What a token may be used for; one type is never accepted where the other is expected."""

    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True, slots=True)
class Claims:
    """What a token says, minus issuer and audience, which the codec adds and checks."""

    subject: UUID
    session_id: UUID
    token_id: str
    type: TokenType
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
