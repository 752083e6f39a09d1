"""A second factor (docs/api.md "Second factor"): a TOTP secret, its recovery codes, and the
short-lived challenge between a right password and a right code at sign-in."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

TOTP_CODE = re.compile(r"[0-9]{6}")
RECOVERY_CODE_COUNT = 10
MAX_WRONG_CODES_PER_CHALLENGE = 5


@dataclass(frozen=True, slots=True)
class SealedSecret:
    """A TOTP secret encrypted at rest, with the id of the key that sealed it."""

    kid: str
    ciphertext: bytes


@dataclass(frozen=True, slots=True)
class TotpFactor:
    """An account's TOTP secret: pending from setup until a first right code confirms it."""

    user_id: UUID
    secret: SealedSecret
    created_at: datetime
    confirmed_at: datetime | None = None
    last_used_step: int | None = None
    """The time step of the last accepted code: that step and earlier ones are refused from now
    on, so each code works once (RFC 6238 section 5.2)."""

    @property
    def enabled(self) -> bool:
        return self.confirmed_at is not None

    def accepts_step(self, step: int) -> bool:
        return self.last_used_step is None or step > self.last_used_step


@dataclass(frozen=True, slots=True)
class SecondFactorAnswer:
    """What a client offered as its second factor: `code` or `recovery_code`, as typed."""

    code: str | None = None
    recovery_code: str | None = None

    @property
    def is_one(self) -> bool:
        """Exactly one of the two was given (docs/api.md "Where a code is asked for")."""
        return (self.code is None) != (self.recovery_code is None)


def totp_code(text: str) -> str | None:
    """The 6 ASCII digits of `text` (surrounding spaces ignored), or None when it is no code."""
    stripped = text.strip(" ")
    return stripped if TOTP_CODE.fullmatch(stripped) else None


def normalize_recovery_code(text: str) -> str:
    """A recovery code as it is hashed: case, spaces and hyphens do not count."""
    return re.sub(r"[\s-]", "", text).upper()


def recovery_code_hash(user_id: UUID, code: str) -> str:
    """The SHA-256 (hex) of the account's id and the normalized code: what is stored.

    A fast hash is enough here, unlike for passwords: a code is 50 random bits, not a human
    choice, so no dictionary shortens a search; the account id salts it, so each account's codes
    cost a search of their own; and a code alone opens nothing without the account's password.
    A slow hash would cost ten argon2 runs at each recovery-code check, for little.
    """
    material = f"{user_id}\n{normalize_recovery_code(code)}"
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class MfaChallenge:
    """The step between a right password and a right code at sign-in (the `mfa_token`).

    Stored as the token's SHA-256 only, single-use, bound to its account and to the credentials
    version the password was checked with: a password change or reset raises that version, and
    with it every outstanding challenge dies.
    """

    token_hash: str
    user_id: UUID
    credentials_version: int
    created_at: datetime
    expires_at: datetime
    failures: int = 0
    used_at: datetime | None = None

    def is_live(self, now: datetime) -> bool:
        return (
            self.used_at is None
            and now < self.expires_at
            and self.failures < MAX_WRONG_CODES_PER_CHALLENGE
        )
