from __future__ import annotations

import msgspec
from litestar import get
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency

from adapters.tokens.keys import SigningKeyRing
from entrypoints.http.schemas import JsonWebKeySet

JWKS_PATH = "/.well-known/jwks.json"
# docs/api.md "Token format": a verifier may keep the keys this long, so a new signing key is
# published at least this long (plus the access TTL) before it signs.
JWKS_MAX_AGE = 300


@get(
    JWKS_PATH,
    tags=["tokens"],
    summary="The public keys that verify access tokens (JWK Set)",
    description="Every key of AUTH_SIGNING_KEYS when AUTH_ACCESS_TOKEN_FORMAT=jws (Ed25519, "
    '`alg` EdDSA), the one that signs first; `{"keys": []}` when access tokens are encrypted. '
    "Only public parts: a key here verifies tokens but cannot sign them.",
    response_headers=[
        ResponseHeader(
            name="Cache-Control",
            value=f"public, max-age={JWKS_MAX_AGE}",
            description="Verifiers may keep the keys this long",
        )
    ],
    sync_to_thread=False,
)
def get_jwks(signing_keys: NamedDependency[SigningKeyRing | None]) -> JsonWebKeySet:
    published = signing_keys.jwks() if signing_keys is not None else {"keys": []}
    return msgspec.convert(published, JsonWebKeySet)
