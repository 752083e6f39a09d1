"""Plain builders for token tests: rings, codecs, claims, and tokens assembled by hand."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timedelta
from typing import Any

import jwt

from adapters.tokens.codec import JoseTokenCodec
from adapters.tokens.jose import b64url
from adapters.tokens.keys import Key, KeyRing
from domain.auth_methods import PASSWORD_ONLY, AuthMethods
from domain.tokens import Claims, TokenType
from tests.fakes.security import FixedClock

ISSUER = "hexauth"
AUDIENCE = "hexauth-api"
SECRET_A = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE"  # 32 x "A", base64url, no padding
SECRET_B = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"  # 32 x "B"
RING = KeyRing.parse(f"a:{SECRET_A},b:{SECRET_B}")
KEY_A = RING.get("a")
KEY_B = RING.get("b")
ENVELOPE_HEADER = {"alg": "dir", "enc": "A256GCM", "cty": "JWT"}


def a_codec(
    ring: KeyRing = RING,
    clock: FixedClock | None = None,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
) -> JoseTokenCodec:
    return JoseTokenCodec(ring, issuer, audience, clock or FixedClock())


def some_claims(
    type: TokenType = TokenType.ACCESS,
    issued_at: datetime | None = None,
    lifetime: timedelta = timedelta(minutes=15),
    jti: str = "jti-1",
    credentials_version: int = 3,
    amr: AuthMethods = PASSWORD_ONLY,
) -> Claims:
    """Claims of `type`; only an access token's carry `credentials_version` and `amr`."""
    issued_at = issued_at or FixedClock().now()
    access = type is TokenType.ACCESS
    return Claims(
        subject=uuid.UUID(int=1),
        session_id=uuid.UUID(int=2),
        token_id=jti,
        type=type,
        issued_at=issued_at,
        expires_at=issued_at + lifetime,
        credentials_version=credentials_version if access else None,
        amr=amr if access else (),
    )


def a_payload(type: str = "access", **changes: Any) -> dict[str, Any]:
    """A valid claims set as the codec would write it, with `changes` applied (None deletes)."""
    now = int(FixedClock().now().timestamp())
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.UUID(int=1)),
        "iat": now,
        "exp": now + 900,
        "jti": "jti-1",
        "type": type,
        "sid": str(uuid.UUID(int=2)),
    }
    if type == "access":
        payload.update(cv=3, amr=["pwd"])
    payload.update(changes)
    return {name: value for name, value in payload.items() if value is not None}


def sign(
    payload: dict[str, Any],
    key: Key | None = KEY_A,
    header: dict[str, Any] | None = None,
    algorithm: str = "HS256",
) -> str:
    """A JWS made by PyJWT with exactly `header` (default: the one the codec writes)."""
    if header is None:
        header = {"typ": "at+jwt" if payload.get("type") == "access" else "rt+jwt", "kid": "a"}
    encoder = jwt.PyJWS()
    encoder.header_typ = None  # type: ignore[assignment]  # no default "typ": "JWT"
    body = json.dumps(payload, separators=(",", ":")).encode()
    return encoder.encode(body, key.jws_key if key else None, algorithm=algorithm, headers=header)


def seal(
    plaintext: bytes | str,
    key: Key = KEY_A,
    header: dict[str, Any] | bytes | None = None,
    iv: bytes | None = None,
    encrypted_key: bytes = b"",
) -> str:
    """A compact JWE with exactly `header` (a dict, or raw bytes), built straight on AES-GCM."""
    if header is None:
        header = {**ENVELOPE_HEADER, "kid": key.kid}
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    protected = b64url(raw)
    iv = os.urandom(12) if iv is None else iv
    data = plaintext.encode() if isinstance(plaintext, str) else plaintext
    sealed = key.aead.encrypt(iv, data, protected.encode("ascii"))
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return ".".join([protected, *map(b64url, (encrypted_key, iv, ciphertext, tag))])


def segments_of(token: str) -> list[str]:
    return token.split(".")
