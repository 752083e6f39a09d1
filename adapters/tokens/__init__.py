"""Tokens as docs/api.md "Token format" defines them: an HS256 JWT inside a dir/A256GCM JWE."""

from adapters.tokens.codec import CachingTokenCodec, JoseTokenCodec
from adapters.tokens.jose import AesGcmJwe, PyJwtSigner
from adapters.tokens.keys import Key, KeyRing, new_key_entry

__all__ = [
    "AesGcmJwe",
    "CachingTokenCodec",
    "JoseTokenCodec",
    "Key",
    "KeyRing",
    "PyJwtSigner",
    "new_key_entry",
]
