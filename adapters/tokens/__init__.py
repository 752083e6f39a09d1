"""Tokens as docs/api.md "Token format" defines them: an HS256 JWT inside a dir/A256GCM JWE."""

from adapters.tokens.codec import JoseTokenCodec
from adapters.tokens.jwe import AesGcmJwe
from adapters.tokens.jws import PyJwtSigner
from adapters.tokens.keys import Key, KeyRing, new_key_entry

__all__ = ["AesGcmJwe", "JoseTokenCodec", "Key", "KeyRing", "PyJwtSigner", "new_key_entry"]
