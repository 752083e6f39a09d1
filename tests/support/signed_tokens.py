"""Signed access tokens shaped like hexauth's `jws` profile, minted with PyJWT for the verifier
tests (docs/api.md "Token format"): good ones, and every kind a verifier must refuse."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

ISSUER = "hexauth"
AUDIENCE = "hexauth-api"


def access_claims(**overrides: Any) -> dict[str, Any]:
    """The claims of a fresh password-only access token, with `overrides` applied."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 900,
        "jti": uuid.uuid4().hex,
        "type": "access",
        "sid": str(uuid.uuid4()),
        "cv": 0,
        "amr": ["pwd"],
    }
    return {**claims, **overrides}


def signed(claims: dict[str, Any], key: Ed25519PrivateKey, kid: str, typ: str = "at+jwt") -> str:
    """`claims` as an EdDSA JWS under `kid`, typed `typ`."""
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"typ": typ, "kid": kid})


def public_jwk(key: Ed25519PrivateKey, kid: str) -> dict[str, Any]:
    """The JWK hexauth publishes for `key` at /.well-known/jwks.json."""
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", "alg": "EdDSA"}


def signing_key_entry(kid: str, key: Ed25519PrivateKey) -> str:
    """`kid:<base64url seed>`, an AUTH_SIGNING_KEYS entry for `key`."""
    seed = key.private_bytes_raw()
    return f"{kid}:{base64.urlsafe_b64encode(seed).rstrip(b'=').decode()}"


def hmac_with_the_public_key(claims: dict[str, Any], jwk: dict[str, Any]) -> str:
    """The key-confusion forgery: HS256 keyed with the published public key's bytes."""
    secret = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    return jwt.encode(
        claims, secret, algorithm="HS256", headers={"typ": "at+jwt", "kid": jwk["kid"]}
    )


def unsigned(claims: dict[str, Any], kid: str) -> str:
    """An `alg: none` token."""
    return jwt.encode(claims, None, algorithm="none", headers={"typ": "at+jwt", "kid": kid})
