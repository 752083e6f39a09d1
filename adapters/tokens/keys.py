"""Token keys: `AUTH_KEYS` parsed into a ring of the two keys derived from each secret, and
`AUTH_SIGNING_KEYS` into a ring of Ed25519 keys published as a JWK Set."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwt.algorithms import OKPAlgorithm

MIN_SECRET_BYTES = 32
SEED_BYTES = 32  # an Ed25519 private key is a 32-byte seed (RFC 8032 section 5.1.5)
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


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One kid's Ed25519 pair: the private key signs; the public key verifies and is published."""

    kid: str
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)
    public_key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_kid(self.kid)
        object.__setattr__(self, "public_key", self.private_key.public_key())

    @classmethod
    def from_seed(cls, kid: str, seed: bytes) -> SigningKey:
        if len(seed) != SEED_BYTES:
            raise ValueError(
                f"kid {kid!r}: the seed decodes to {len(seed)} bytes;"
                f" exactly {SEED_BYTES} are required"
            )
        return cls(kid=kid, private_key=Ed25519PrivateKey.from_private_bytes(seed))

    def jwk(self) -> dict[str, str]:
        """The public JWK (RFC 8037 section 2): never the private part `d`."""
        public: dict[str, Any] = OKPAlgorithm.to_jwk(self.public_key, as_dict=True)
        return {
            "kty": public["kty"],
            "crv": public["crv"],
            "x": public["x"],
            "kid": self.kid,
            "use": "sig",
            "alg": "EdDSA",
        }


class _Identified(Protocol):
    @property
    def kid(self) -> str: ...


K = TypeVar("K", bound=_Identified)


class _Ring(Generic[K]):
    """Keys in their configured order, each found by its kid; the first is the current one."""

    __slots__ = ("_by_kid", "_keys")

    def __init__(self, keys: Iterable[K]) -> None:
        self._keys = tuple(keys)
        if not self._keys:
            raise ValueError("a key ring needs at least one key")
        self._by_kid: dict[str, K] = {}
        for key in self._keys:
            if key.kid in self._by_kid:
                raise ValueError(f"duplicate kid {key.kid!r}")
            self._by_kid[key.kid] = key

    @property
    def current(self) -> K:
        return self._keys[0]

    @property
    def keys(self) -> tuple[K, ...]:
        return self._keys

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(key.kid for key in self._keys)

    def get(self, kid: str) -> K | None:
        return self._by_kid.get(kid)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kids={self.kids!r})"


class KeyRing(_Ring[Key]):
    """The keys in `AUTH_KEYS` order: the first encrypts and signs; every one decrypts and verifies.

    Keeping retired keys after the current one lets keys rotate without logging anyone out.
    """

    __slots__ = ()

    @classmethod
    def parse(cls, auth_keys: str) -> KeyRing:
        """Parse `kid:secret,kid:secret`; ValueError names the bad entry but never a secret."""
        if not auth_keys.strip():
            raise ValueError("AUTH_KEYS is empty: give at least one kid:secret entry")
        try:
            return cls(Key.derive(kid, secret) for kid, secret in _entries(auth_keys))
        except ValueError as error:
            # `from None`: no chained exception may carry the text of a secret into a log.
            raise ValueError(f"AUTH_KEYS: {error}") from None


class SigningKeyRing(_Ring[SigningKey]):
    """The keys in `AUTH_SIGNING_KEYS` order: the first signs access tokens; every one verifies
    and is published, so a new key can be announced before it signs (docs/api.md "Token format")."""

    __slots__ = ()

    @classmethod
    def parse(cls, signing_keys: str) -> SigningKeyRing:
        """Parse `kid:seed,kid:seed`; ValueError names the bad entry but never a seed."""
        if not signing_keys.strip():
            raise ValueError("AUTH_SIGNING_KEYS is empty: give at least one kid:seed entry")
        try:
            return cls(SigningKey.from_seed(kid, seed) for kid, seed in _entries(signing_keys))
        except ValueError as error:
            raise ValueError(f"AUTH_SIGNING_KEYS: {error}") from None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK Set (RFC 7517 section 5) of every public key, in ring order."""
        return {"keys": [key.jwk() for key in self._keys]}


def new_key_entry(kid: str | None = None) -> str:
    """A fresh `kid:secret` entry for `AUTH_KEYS`: 32 random bytes, base64url without padding."""
    return f"{_new_kid(kid)}:{secrets.token_urlsafe(MIN_SECRET_BYTES)}"


def new_signing_key_entry(kid: str | None = None) -> str:
    """A fresh `kid:seed` entry for `AUTH_SIGNING_KEYS`: a new Ed25519 seed, base64url."""
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return f"{_new_kid(kid)}:{base64.urlsafe_b64encode(seed).rstrip(b'=').decode('ascii')}"


def _new_kid(kid: str | None) -> str:
    # The default kid is today's date plus a random suffix, so keys sort by age and seldom collide.
    if kid is None:
        kid = f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"
    check_kid(kid)
    return kid


def _entries(text: str) -> Iterator[tuple[str, bytes]]:
    """Each `kid:base64url` entry's kid and decoded bytes, in order."""
    for position, entry in enumerate(text.split(","), start=1):
        if not entry.strip():
            raise ValueError(f"entry {position} is empty")
        kid, colon, secret = entry.strip().partition(":")
        if not colon:
            # The entry may be a bare secret, so it is named by its position only.
            raise ValueError(f"entry {position} is not of the form kid:secret")
        check_kid(kid)
        yield kid, _decode_secret(kid, secret)


def _decode_secret(kid: str, text: str) -> bytes:
    # Strict alphabet first: base64's decoder would otherwise silently skip stray characters.
    if not _BASE64URL.fullmatch(text):
        raise ValueError(f"kid {kid!r}: the secret is not base64url (A-Z a-z 0-9 - _)")
    unpadded = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    except binascii.Error:
        raise ValueError(f"kid {kid!r}: the secret is not valid base64url") from None
