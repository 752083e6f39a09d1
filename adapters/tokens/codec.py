"""The token codec: claims to a token and back (docs/api.md "Token format"), and the cache of
verified access-token claims in front of it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import jwt
from cachetools import LRUCache
from cryptography.exceptions import InvalidTag

from adapters.tokens.jose import AesGcmJwe, PyJwtSigner, from_numeric_date, to_numeric_date
from adapters.tokens.keys import KeyRing, SigningKeyRing
from application.ports import Clock, TokenCodec
from domain.auth_methods import AuthMethods, parse_auth_methods
from domain.errors import InvalidToken
from domain.tokens import Claims, TokenType

MAX_TOKEN_LENGTH = 8192
MAX_LEEWAY = timedelta(seconds=30)
DEFAULT_MAX_ENTRIES = 10_000

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
    """An HS256 JWT (signed by the current key) inside a dir/A256GCM JWE under the same kid; or,
    for access tokens when `signing_keys` are given, a plain EdDSA JWT signed by the first of
    them (docs/api.md "Token format": `AUTH_ACCESS_TOKEN_FORMAT=jws`).

    `decode` raises InvalidToken, with a generic reason, for every token it does not accept:
    a bad envelope or signature, a wrong claim, or times that are past (on the injected clock).
    """

    def __init__(
        self,
        keys: KeyRing,
        issuer: str,
        audience: str,
        clock: Clock,
        leeway: timedelta = MAX_LEEWAY,
        signing_keys: SigningKeyRing | None = None,
    ) -> None:
        if not timedelta(0) <= leeway <= MAX_LEEWAY:
            raise ValueError(f"leeway must be between 0 and {MAX_LEEWAY.seconds} seconds")
        self._keys = keys
        self._signing_keys = signing_keys
        self._issuer = issuer
        self._audience = audience
        self._clock = clock
        self._leeway = leeway
        self._jwe = AesGcmJwe(keys)
        self._hs256 = PyJwtSigner(issuer, audience, "HS256")
        # RFC 8725 section 3.1: each form of token has its one algorithm, never the token's choice.
        self._eddsa = PyJwtSigner(issuer, audience, "EdDSA")

    def encode(self, claims: Claims) -> str:
        payload = self._payload_of(claims)
        if claims.type is TokenType.ACCESS and self._signing_keys is not None:
            signing_key = self._signing_keys.current
            return self._eddsa.sign(payload, signing_key.kid, signing_key.private_key)
        key = self._keys.current
        return self._jwe.encrypt(
            self._hs256.sign(payload, key.kid, key.jws_key).encode("ascii"), key
        )

    def decode(self, token: str, expected: TokenType) -> Claims:
        # docs/api.md: oversized tokens are refused before any parsing or crypto, which bounds the
        # work an anonymous request can cause.
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("malformed token")
        try:
            if expected is TokenType.ACCESS and self._signing_keys is not None:
                payload = self._verify_signed(token, self._signing_keys)
            else:
                payload = self._open_sealed(token)
            claims = _claims_from(payload, expected)
            not_before = from_numeric_date(payload["nbf"]) if "nbf" in payload else None
        except InvalidToken:
            raise
        except _MALFORMED:
            raise InvalidToken("malformed token") from None
        now = self._clock.now()
        check_times(now, claims, self._leeway)
        # RFC 7519 section 4.1.5: never written here, but honoured when present.
        if not_before is not None and not_before > now + self._leeway:
            raise InvalidToken("token not yet valid")
        return claims

    def _open_sealed(self, token: str) -> dict[str, Any]:
        key, plaintext = self._jwe.decrypt(token)
        return self._hs256.verify(plaintext, key.kid, key.jws_key)

    def _verify_signed(self, token: str, signing_keys: SigningKeyRing) -> dict[str, Any]:
        # The kid only picks which of our public keys to try; the algorithm stays EdDSA whatever
        # the header says, so the public key can never serve as an HMAC secret.
        kid = jwt.get_unverified_header(token).get("kid")
        signing_key = signing_keys.get(kid) if isinstance(kid, str) else None
        if signing_key is None:
            raise InvalidToken("unknown key")
        return self._eddsa.verify(token, signing_key.kid, signing_key.public_key)

    def _payload_of(self, claims: Claims) -> dict[str, Any]:
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
        return payload


class CachingTokenCodec(TokenCodec):
    """`inner`, remembering the claims of the access tokens it verified (least recently used
    out first, at most `max_entries`), so a bearer token seen again skips decrypt and verify.

    Same contract as `inner`: `decode` raises InvalidToken for every token `inner` refuses now.
    """

    # Why a hit may skip the crypto: an access token is stateless (valid until `exp`, never
    # revoked; the account and `cv` checks stay in application/accounts.py, run on every
    # request with the claims a hit returns), and a hit is the exact string this
    # process already verified in full with the same keys. The key rings are read once per
    # process, so a key leaves AUTH_KEYS or AUTH_SIGNING_KEYS only with a restart, which empties
    # the cache. Any other string,
    # a tampered copy included, is a miss and is verified in full; only successes are stored, so
    # a stranger cannot fill the cache without tokens signed by the service. Its times are still
    # judged on every hit, by `check_times` as the codec judges them. Refresh tokens are never
    # cached: they are single-use and rotate, and pass straight through to `inner`.

    def __init__(
        self,
        inner: TokenCodec,
        clock: Clock,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        leeway: timedelta = MAX_LEEWAY,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._inner = inner
        self._clock = clock
        self._leeway = leeway
        self._verified: LRUCache[str, Claims] = LRUCache(maxsize=max_entries)
        # The event loop is the only caller in the server; cachetools' caches are not
        # thread-safe, so the lock keeps a lookup and an eviction apart should another
        # thread ever decode.
        self._lock = threading.Lock()

    def encode(self, claims: Claims) -> str:
        return self._inner.encode(claims)

    def decode(self, token: str, expected: TokenType) -> Claims:
        if expected is not TokenType.ACCESS:
            return self._inner.decode(token, expected)
        # docs/api.md: oversized tokens are refused before anything else, the cache lookup included.
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("malformed token")
        with self._lock:
            claims = self._verified.get(token)  # a hit counts as a use
        if claims is None:
            claims = self._inner.decode(token, expected)
            with self._lock:
                self._verified[token] = claims  # evicts the least recently used past maxsize
            return claims
        try:
            check_times(self._clock.now(), claims, self._leeway)
        except InvalidToken:
            with self._lock:
                self._verified.pop(token, None)  # a refused token leaves the cache
            raise
        return claims


def check_times(now: datetime, claims: Claims, leeway: timedelta) -> None:
    """Raise InvalidToken for a token expired at `now` or issued after it, give or take `leeway`.

    The one judgement of a token's times, for a verified token and a cached one alike.
    """
    # RFC 7519 section 4.1.4: refused on or after `exp`, give or take the leeway.
    if now >= claims.expires_at + leeway:
        raise InvalidToken("token expired")
    # `iat` (RFC 7519 section 4.1.6) beyond the leeway ahead means a forged or broken clock.
    if claims.issued_at > now + leeway:
        raise InvalidToken("token issued in the future")


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
