from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.auth_methods import AuthMethods


class TokenType(enum.StrEnum):
    """What a token may be used for; one type is never accepted where the other is expected."""

    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True, slots=True)
class Claims:
    """What a token says, minus issuer and audience, which the codec adds and checks.

    Access tokens, and only they, also carry the account's credentials version their session
    was signed in with (`cv`: a bearer endpoint refuses the token once the account's is another)
    and how that session signed in (`amr`, RFC 8176); docs/api.md "Token format".
    """

    subject: UUID
    session_id: UUID
    token_id: str
    type: TokenType
    issued_at: datetime
    expires_at: datetime
    credentials_version: int | None = None
    amr: AuthMethods = ()

    def __post_init__(self) -> None:
        if self.type is TokenType.ACCESS:
            if self.credentials_version is None or not self.amr:
                raise ValueError("an access token carries a credentials version and an amr")
        elif self.credentials_version is not None or self.amr:
            raise ValueError("only access tokens carry a credentials version and an amr")


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
