"""One-time links: what a password-reset or email-verification link IS (docs/api.md "Account
recovery and email verification"). The token itself only ever travels in the mail; we keep its
SHA-256."""

from __future__ import annotations

import enum
import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain.email import Email

MIN_TOKEN_BYTES = 32
"""256 random bits at least: guessing a live token is out of reach, so one hash lookup suffices."""

MIN_TOKEN_LENGTH = math.ceil(MIN_TOKEN_BYTES * 8 / 6)
"""43: a URL-safe base64 character carries 6 bits, so fewer cannot hold MIN_TOKEN_BYTES."""


class LinkPurpose(enum.StrEnum):
    RESET = "reset"
    VERIFY = "verify"


def link_token_hash(token: str) -> str:
    """The SHA-256 of a token, hex: what is stored and looked up, never the token itself.

    A plain hash (no salt, no slow KDF) is enough because the token is 256 random bits, and it
    lets the lookup be one indexed equality.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(slots=True)
class OneTimeLink:
    """A link mailed to `email` for one `purpose`, usable once before `expires_at`."""

    id: UUID
    user_id: UUID
    email: Email
    purpose: LinkPurpose
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        *,
        id: UUID,
        user_id: UUID,
        email: Email,
        purpose: LinkPurpose,
        token: str,
        now: datetime,
        ttl: timedelta,
    ) -> OneTimeLink:
        """A fresh link for `token`; refuse a token too short to carry 256 random bits."""
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError("a link token must carry at least 256 random bits")
        return cls(
            id=id,
            user_id=user_id,
            email=email,
            purpose=purpose,
            token_hash=link_token_hash(token),
            created_at=now,
            expires_at=now + ttl,
        )

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at

    def use(self, now: datetime) -> None:
        """Spend the link; using it again keeps the first time."""
        if self.used_at is None:
            self.used_at = now
