"""Tokens as docs/api.md "Token format" defines them: an HS256 JWT inside a dir/A256GCM JWE, or,
for access tokens under `AUTH_ACCESS_TOKEN_FORMAT=jws`, a plain EdDSA JWT."""

from adapters.tokens.codec import CachingTokenCodec, JoseTokenCodec
from adapters.tokens.jose import AesGcmJwe, PyJwtSigner
from adapters.tokens.keys import (
    Key,
    KeyRing,
    SigningKey,
    SigningKeyRing,
    new_key_entry,
    new_signing_key_entry,
)

__all__ = [
    "AesGcmJwe",
    "CachingTokenCodec",
    "JoseTokenCodec",
    "Key",
    "KeyRing",
    "PyJwtSigner",
    "SigningKey",
    "SigningKeyRing",
    "new_key_entry",
    "new_signing_key_entry",
]
