"""The token codec: claims to a signed-then-encrypted token and back (docs/api.md, tokens)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import jwt
from cryptography.exceptions import InvalidTag

from adapters.tokens.jwe import AesGcmJwe
from adapters.tokens.jws import MAX_LEEWAY, PyJwtSigner, from_numeric_date, to_numeric_date
from adapters.tokens.keys import KeyRing
from application.ports import Clock, TokenCodec
from domain.errors import InvalidToken
from domain.tokens import Claims, TokenType

MAX_TOKEN_LENGTH = 8192

# What the libraries and the standard library raise on malformed input. ValueError covers
# json's, binascii's and Unicode's errors; RecursionError comes from deeply nested JSON.
_MALFORMED = (
    jwt.PyJWTError,
    InvalidTag,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    OverflowError,
    RecursionError,
)


class JoseTokenCodec(TokenCodec):
    """An HS256 JWT (signed by the current key) inside a dir/A256GCM JWE under the same kid.

    `decode` raises InvalidToken, with a generic reason, for every token it does not accept.
    """

    def __init__(
        self,
        keys: KeyRing,
        issuer: str,
        audience: str,
        clock: Clock,
        leeway: timedelta = MAX_LEEWAY,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._jwe = AesGcmJwe(keys)
        self._signer = PyJwtSigner(issuer, audience, clock, leeway)

    def encode(self, claims: Claims) -> str:
        key = self._keys.current
        payload = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(claims.subject),
            "iat": to_numeric_date(claims.issued_at),
            "exp": to_numeric_date(claims.expires_at),
            "jti": claims.token_id,
            "type": claims.type.value,
            "sid": str(claims.session_id),
        }
        return self._jwe.encrypt(self._signer.sign(payload, key).encode("ascii"), key)

    def decode(self, token: str, expected: TokenType) -> Claims:
        # docs/api.md: oversized tokens are refused before any parsing or crypto, which bounds the
        # work an anonymous request can cause.
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("malformed token")
        try:
            key, plaintext = self._jwe.decrypt(token)
            return _claims_from(self._signer.verify(plaintext, key), expected)
        except InvalidToken:
            raise
        except _MALFORMED:
            raise InvalidToken("malformed token") from None


def _claims_from(payload: dict[str, Any], expected: TokenType) -> Claims:
    if payload["type"] != expected:
        raise InvalidToken("wrong token type")
    token_id = payload["jti"]
    if not isinstance(token_id, str) or not token_id:
        raise InvalidToken("malformed claims")
    return Claims(
        subject=_uuid(payload["sub"]),
        session_id=_uuid(payload["sid"]),
        token_id=token_id,
        type=TokenType(payload["type"]),
        issued_at=from_numeric_date(payload["iat"]),
        expires_at=from_numeric_date(payload["exp"]),
    )


def _uuid(value: object) -> UUID:
    if not isinstance(value, str):
        raise InvalidToken("malformed claims")
    return UUID(value)
