"""Passkeys (WebAuthn credentials) and the ceremonies that register and use them (docs/api.md
"Second factor (TOTP, recovery codes) and passkeys")."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain.errors import InvalidValue
from domain.one_time_link import MIN_TOKEN_LENGTH, link_token_hash

DEFAULT_PASSKEY_NAME = "Passkey"
MAX_PASSKEY_NAME_LENGTH = 64
CEREMONY_TTL = timedelta(seconds=300)


def passkey_name(raw: str | None) -> str:
    """The name a user gave a passkey, trimmed; 1-64 characters, "Passkey" when none was given."""
    if raw is None:
        return DEFAULT_PASSKEY_NAME
    name = raw.strip()
    if not 1 <= len(name) <= MAX_PASSKEY_NAME_LENGTH:
        raise InvalidValue("name", f"a passkey's name is 1 to {MAX_PASSKEY_NAME_LENGTH} characters")
    return name


@dataclass(slots=True)
class Passkey:
    """A WebAuthn credential of an account: its public key and the authenticator's counter.

    `credential_id` is the authenticator's (it identifies the credential at sign-in); `id` is
    the server's own, the only one the API shows.
    """

    id: UUID
    user_id: UUID
    credential_id: bytes
    public_key: bytes
    sign_count: int
    name: str
    created_at: datetime
    last_used_at: datetime | None = None

    def counter_went_backwards(self, reported: int) -> bool:
        """WebAuthn L3 section 6.1.1: a counter that does not grow past the stored one may
        mean a cloned authenticator. An authenticator without a counter (synced passkeys)
        reports 0 every time, and 0 after 0 is no regression."""
        return (reported > 0 or self.sign_count > 0) and reported <= self.sign_count

    def record_use(self, reported: int, now: datetime) -> None:
        self.sign_count = reported
        self.last_used_at = now


class CeremonyPurpose(enum.StrEnum):
    REGISTER = "register"
    SIGN_IN = "sign_in"


@dataclass(slots=True)
class PasskeyCeremony:
    """One registration or sign-in in progress: the challenge sent to the authenticator, kept
    server-side under the SHA-256 of an opaque single-use value the client holds meanwhile."""

    token_hash: str
    purpose: CeremonyPurpose
    challenge: bytes
    user_id: UUID | None
    """The account a registration is for; None for a sign-in, which names no account."""
    expires_at: datetime

    @classmethod
    def begin(
        cls,
        *,
        token: str,
        purpose: CeremonyPurpose,
        challenge: bytes,
        user_id: UUID | None,
        now: datetime,
    ) -> PasskeyCeremony:
        """A ceremony for `token`, which must carry at least 256 random bits, as a link's does:
        so one hash lookup finds it and guessing one is out of reach."""
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError("a ceremony token must carry at least 256 random bits")
        return cls(
            token_hash=link_token_hash(token),
            purpose=purpose,
            challenge=challenge,
            user_id=user_id,
            expires_at=now + CEREMONY_TTL,
        )

    def is_usable(self, now: datetime) -> bool:
        return now < self.expires_at
