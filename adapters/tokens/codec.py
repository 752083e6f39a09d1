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
from domain.auth_methods import AuthMethods, parse_auth_methods
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
        payload: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(claims.subject),
            "iat": to_numeric_date(claims.issued_at),
            "exp": to_numeric_date(claims.expires_at),
            "jti": claims.token_id,
            "type": claims.type.value,
            "sid": str(claims.session_id),
        }
        if claims.type is TokenType.ACCESS:
            payload["cv"] = claims.credentials_version
            payload["amr"] = [method.value for method in claims.amr]
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
    token_type = TokenType(payload["type"])
    credentials_version: int | None = None
    amr: AuthMethods = ()
    if token_type is TokenType.ACCESS:
        # Required of every access token (docs/api.md "Token format"): a bearer endpoint
        # compares `cv` with the account's, so a token without one must never pass.
        credentials_version = _credentials_version(payload["cv"])
        amr = parse_auth_methods(payload["amr"])
    return Claims(
        subject=_uuid(payload["sub"]),
        session_id=_uuid(payload["sid"]),
        token_id=token_id,
        type=token_type,
        issued_at=from_numeric_date(payload["iat"]),
        expires_at=from_numeric_date(payload["exp"]),
        credentials_version=credentials_version,
        amr=amr,
    )


def _credentials_version(value: object) -> int:
    # JSON true is a Python int too: only a real non-negative integer is a version.
    if type(value) is not int or value < 0:
        raise InvalidToken("malformed claims")
    return value


def _uuid(value: object) -> UUID:
    if not isinstance(value, str):
        raise InvalidToken("malformed claims")
    return UUID(value)
