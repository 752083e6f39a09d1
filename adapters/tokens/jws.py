"""The inner JWT: HS256 signing and verification with PyJWT (RFC 7515, RFC 7519).

PyJWT checks the signature, `iss`, `aud` and that every required claim is present; the token's
times are judged here on the service's injected clock (PyJWT's own time checks read the wall
clock), and the `typ` and `kid` headers against the `type` claim and the envelope's key.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from adapters.tokens.keys import Key
from application.ports import Clock
from domain.errors import InvalidToken

ALGORITHM = "HS256"
MAX_LEEWAY = timedelta(seconds=30)
REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "type", "sid"]

# RFC 9068 section 2.1 names `at+jwt`; `rt+jwt` follows the same pattern for refresh tokens.
MEDIA_TYPE_BY_TOKEN_TYPE = {"access": "at+jwt", "refresh": "rt+jwt"}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def to_numeric_date(moment: datetime) -> int:
    """Whole seconds since the epoch (RFC 7519 section 2), rounded down; `moment` must be aware."""
    if moment.utcoffset() is None:
        raise ValueError("token times must be timezone-aware")
    return (moment - _EPOCH) // _SECOND


def from_numeric_date(value: object) -> datetime:
    """The aware UTC datetime of an integer NumericDate; InvalidToken for anything else."""
    # `type(...) is int` also refuses bool, which json would give for `true`.
    if type(value) is not int:
        raise InvalidToken("malformed claims")
    try:
        return _EPOCH + value * _SECOND
    except OverflowError:
        raise InvalidToken("malformed claims") from None


def _pyjwt() -> jwt.PyJWT:
    return jwt.PyJWT(
        options={
            # A claim given as null counts as missing.
            "require": REQUIRED_CLAIMS,
            # PyJWT reads the wall clock; the times are checked on the injected clock instead
            # (`check_times`), so a test clock and the cached codec judge them the same way.
            "verify_exp": False,
            "verify_iat": False,
            "verify_nbf": False,
            "enforce_minimum_key_length": True,
        }
    )


class PyJwtSigner:
    """Signs claims as an explicitly typed HS256 JWT and verifies such a JWT.

    `verify` raises InvalidToken unless the signature, `iss`, `aud`, every required claim, the
    `typ` and `kid` headers and the token's times (on the injected clock) are all right.
    """

    def __init__(
        self, issuer: str, audience: str, clock: Clock, leeway: timedelta = MAX_LEEWAY
    ) -> None:
        if not timedelta(0) <= leeway <= MAX_LEEWAY:
            raise ValueError(f"leeway must be between 0 and {MAX_LEEWAY.seconds} seconds")
        self._issuer = issuer
        self._audience = audience
        self._clock = clock
        self._leeway = leeway
        self._jwt = _pyjwt()

    def sign(self, claims: dict[str, Any], key: Key) -> str:
        """The compact JWT of `claims`, typed by its `type` claim and naming the key's kid."""
        # Passing `typ` replaces PyJWT's default `"typ": "JWT"` rather than adding to it.
        headers = {"typ": MEDIA_TYPE_BY_TOKEN_TYPE[claims["type"]], "kid": key.kid}
        return self._jwt.encode(claims, key.jws_key, algorithm=ALGORITHM, headers=headers)

    def verify(self, token: str | bytes, key: Key) -> dict[str, Any]:
        """The verified claims of `token`, which must have been signed with `key`."""
        try:
            # RFC 8725 section 3.1: one fixed algorithm, so never `none` and no key confusion.
            # RFC 7519 section 4.1.3: the audience may be ours alone or in a list of strings.
            decoded = self._jwt.decode_complete(
                token,
                key.jws_key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
            )
        except jwt.PyJWTError:
            raise InvalidToken("signature or claims rejected") from None
        claims: dict[str, Any] = decoded["payload"]
        _check_header(decoded["header"], claims, key)
        self._check_times(claims)
        return claims

    def _check_times(self, claims: dict[str, Any]) -> None:
        now = self._clock.now()
        expires_at = from_numeric_date(claims["exp"])
        issued_at = from_numeric_date(claims["iat"])
        check_times(now, issued_at=issued_at, expires_at=expires_at, leeway=self._leeway)
        if "nbf" in claims and from_numeric_date(claims["nbf"]) > now + self._leeway:
            raise InvalidToken("token not yet valid")


def check_times(
    now: datetime, *, issued_at: datetime, expires_at: datetime, leeway: timedelta
) -> None:
    """Raise InvalidToken for a token expired at `now` or issued after it, give or take `leeway`.

    The one judgement of a token's times, for a verified token and a cached one alike.
    """
    # RFC 7519 section 4.1.4: refused on or after `exp`, give or take the leeway.
    if now >= expires_at + leeway:
        raise InvalidToken("token expired")
    # `iat` (RFC 7519 section 4.1.6) beyond the leeway ahead means a forged or broken clock.
    if issued_at > now + leeway:
        raise InvalidToken("token issued in the future")


def _check_header(header: dict[str, Any], claims: dict[str, Any], key: Key) -> None:
    # RFC 8725 section 3.11 explicit typing: the header's `typ` must name this kind of token, so
    # a refresh token can never pass for an access token or the reverse.
    token_type = claims["type"]
    expected = MEDIA_TYPE_BY_TOKEN_TYPE.get(token_type) if isinstance(token_type, str) else None
    if expected is None or _media_type(header.get("typ")) != f"application/{expected}":
        raise InvalidToken("wrong token type")
    # docs/api.md: the inner JWS names the same kid as the envelope it was sealed in.
    if header.get("kid") != key.kid:
        raise InvalidToken("unknown key")


def _media_type(typ: object) -> str | None:
    # RFC 7515 section 4.1.9: a `typ` without "/" means "application/" + typ; media type names
    # are case-insensitive (RFC 2045 section 5.1).
    if not isinstance(typ, str):
        return None
    lowered = typ.lower()
    return lowered if "/" in lowered else f"application/{lowered}"
