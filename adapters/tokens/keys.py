"""Token keys: `AUTH_KEYS` parsed into a ring, and the two keys derived from each secret."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET_BYTES = 32
DERIVED_KEY_BYTES = 32
JWE_KEY_INFO = b"hexauth/v1/jwe A256GCM"
JWS_KEY_INFO = b"hexauth/v1/jws HS256"

_KID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def derive_key(secret: bytes, info: bytes) -> bytes:
    """HKDF-SHA256 (RFC 5869) with an empty salt, 32 bytes, as docs/api.md "Token format" fixes.

    A distinct `info` per use makes the encryption key and the signing key independent, so one
    secret never serves two algorithms (RFC 5869 section 3.2).
    """
    return HKDF(algorithm=SHA256(), length=DERIVED_KEY_BYTES, salt=b"", info=info).derive(secret)


def check_kid(kid: str) -> None:
    """Raise ValueError unless `kid` is 1 to 64 of the safe characters A-Z a-z 0-9 . _ -."""
    if not isinstance(kid, str) or not _KID.fullmatch(kid):
        raise ValueError(f"kid {kid!r} must be 1 to 64 characters from A-Z a-z 0-9 . _ -")


@dataclass(frozen=True, slots=True)
class Key:
    """One kid's derived keys, and its AES-GCM cipher built once here rather than per token."""

    kid: str
    jwe_key: bytes = field(repr=False)
    jws_key: bytes = field(repr=False)
    aead: AESGCM = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_kid(self.kid)
        if len(self.jwe_key) != DERIVED_KEY_BYTES or len(self.jws_key) != DERIVED_KEY_BYTES:
            raise ValueError(f"kid {self.kid!r}: derived keys must be {DERIVED_KEY_BYTES} bytes")
        object.__setattr__(self, "aead", AESGCM(self.jwe_key))

    @classmethod
    def derive(cls, kid: str, secret: bytes) -> Key:
        """The keys docs/api.md derives from `secret`, which must be at least 32 bytes."""
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(
                f"kid {kid!r}: the secret decodes to {len(secret)} bytes;"
                f" at least {MIN_SECRET_BYTES} are required"
            )
        return cls(
            kid=kid,
            jwe_key=derive_key(secret, JWE_KEY_INFO),
            jws_key=derive_key(secret, JWS_KEY_INFO),
        )


class KeyRing:
    """The keys in `AUTH_KEYS` order: the first encrypts and signs; every one decrypts and verifies.

    Keeping retired keys after the current one lets keys rotate without logging anyone out.
    """

    __slots__ = ("_by_kid", "_keys")

    def __init__(self, keys: Iterable[Key]) -> None:
        self._keys = tuple(keys)
        if not self._keys:
            raise ValueError("a key ring needs at least one key")
        self._by_kid: dict[str, Key] = {}
        for key in self._keys:
            if key.kid in self._by_kid:
                raise ValueError(f"duplicate kid {key.kid!r}")
            self._by_kid[key.kid] = key

    @classmethod
    def parse(cls, auth_keys: str) -> KeyRing:
        """Parse `kid:secret,kid:secret`; ValueError names the bad entry but never a secret."""
        if not auth_keys.strip():
            raise ValueError("AUTH_KEYS is empty: give at least one kid:secret entry")
        entries = enumerate(auth_keys.split(","), start=1)
        try:
            return cls(_parse_entry(position, entry) for position, entry in entries)
        except ValueError as error:
            # `from None`: no chained exception may carry the text of a secret into a log.
            raise ValueError(f"AUTH_KEYS: {error}") from None

    @property
    def current(self) -> Key:
        return self._keys[0]

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(key.kid for key in self._keys)

    def get(self, kid: str) -> Key | None:
        return self._by_kid.get(kid)

    def __repr__(self) -> str:
        return f"KeyRing(kids={self.kids!r})"


def new_key_entry(kid: str | None = None) -> str:
    """A fresh `kid:secret` entry for `AUTH_KEYS`: 32 random bytes, base64url without padding.

    The default kid is today's date plus a random suffix, so keys sort by age and seldom collide.
    """
    if kid is None:
        kid = f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"
    check_kid(kid)
    return f"{kid}:{secrets.token_urlsafe(MIN_SECRET_BYTES)}"


def _parse_entry(position: int, entry: str) -> Key:
    if not entry.strip():
        raise ValueError(f"entry {position} is empty")
    kid, colon, secret = entry.strip().partition(":")
    if not colon:
        # The entry may be a bare secret, so it is named by its position only.
        raise ValueError(f"entry {position} is not of the form kid:secret")
    check_kid(kid)
    return Key.derive(kid, _decode_secret(kid, secret))


def _decode_secret(kid: str, text: str) -> bytes:
    # Strict alphabet first: base64's decoder would otherwise silently skip stray characters.
    if not _BASE64URL.fullmatch(text):
        raise ValueError(f"kid {kid!r}: the secret is not base64url (A-Z a-z 0-9 - _)")
    unpadded = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    except binascii.Error:
        raise ValueError(f"kid {kid!r}: the secret is not valid base64url") from None
