"""Verification of hexauth's signed access tokens (docs/api.md "Token format", `jws` profile).

Everything a verifier needs is public: the JWKS at hexauth's `/.well-known/jwks.json`, the issuer
and the audience. PyJWT's `PyJWKClient` fetches and caches the JWKS; this module decides what a
token must look like before and after the key lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKClientConnectionError

from examples.resource_server.settings import Settings

ALGORITHM = "EdDSA"
ACCESS_TOKEN_MEDIA_TYPE = "application/at+jwt"  # noqa: S105 (a media type, not a password)
REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "type", "sid", "cv", "amr"]
MAX_TOKEN_LENGTH = 8192
LEEWAY_SECONDS = 30


class InvalidAccessToken(Exception):
    """The token is not a valid hexauth access token; the reason is for logs, not for clients."""


class KeySetUnavailable(Exception):
    """hexauth's JWKS could not be fetched, so no token can be judged right now."""


@dataclass(frozen=True, slots=True)
class AccessToken:
    subject: str
    session_id: str
    amr: tuple[str, ...]

    @property
    def used_a_second_factor(self) -> bool:
        # RFC 8176 section 2: "mfa" means more than one factor was used.
        return "mfa" in self.amr


def jwks_client(settings: Settings) -> PyJWKClient:
    """A JWKS client that caches the set for hexauth's max-age and, for a token naming an
    unknown `kid`, refetches at most once per cooldown: made-up kids cannot make it hammer
    hexauth (PyJWT's own `cooldown_duration`, so nothing here is hand-written)."""
    return PyJWKClient(
        settings.jwks_url,
        lifespan=settings.jwks_cache_seconds,
        cooldown_duration=settings.jwks_refetch_cooldown_seconds,
        timeout=5,
    )


class AccessTokenVerifier:
    """`verify` returns the token's AccessToken, or raises InvalidAccessToken (any flaw at all)
    or KeySetUnavailable (the JWKS could not be fetched).

    `signing_key` looks a kid up as `PyJWKClient.get_signing_key` does (the tests pass keys held
    in memory): a PyJWK, or PyJWKClientError for an unknown kid.
    """

    def __init__(self, signing_key: Callable[[str], PyJWK], issuer: str, audience: str) -> None:
        self._signing_key = signing_key
        self._issuer = issuer
        self._audience = audience

    def verify(self, token: str) -> AccessToken:
        # Bounded work for anonymous input: no parsing of anything larger than hexauth issues.
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidAccessToken("token too long")
        try:
            kid = _kid_of_a_signed_access_token(jwt.get_unverified_header(token))
            claims = jwt.decode(
                token,
                self._signing_key(kid),
                # RFC 8725 section 3.1: one fixed algorithm, never `none`, never HS256 keyed with
                # the public key (PyJWT also refuses a JWK whose own `alg` differs).
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except PyJWKClientConnectionError as error:
            raise KeySetUnavailable(str(error)) from None
        except jwt.PyJWTError as error:
            raise InvalidAccessToken(type(error).__name__) from None
        return _access_token(claims)


def _kid_of_a_signed_access_token(header: dict[str, Any]) -> str:
    # Judged before any key lookup, so a token that could never pass costs no JWKS fetch.
    if header.get("alg") != ALGORITHM:
        raise InvalidAccessToken("wrong algorithm")
    # RFC 8725 section 3.11 and RFC 9068 section 2.1: explicitly typed as an access token.
    if _media_type(header.get("typ")) != ACCESS_TOKEN_MEDIA_TYPE:
        raise InvalidAccessToken("not typed as an access token")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidAccessToken("no kid")
    return kid


def _media_type(typ: object) -> str | None:
    # RFC 7515 section 4.1.9: a `typ` without "/" means "application/" + typ; media type names
    # are case-insensitive (RFC 2045 section 5.1).
    if not isinstance(typ, str):
        return None
    lowered = typ.lower()
    return lowered if "/" in lowered else f"application/{lowered}"


def _access_token(claims: dict[str, Any]) -> AccessToken:
    # `typ` and the `type` claim must agree, so a refresh token never passes (docs/api.md).
    if claims["type"] != "access":
        raise InvalidAccessToken("not an access token")
    amr, subject, session_id = claims["amr"], claims["sub"], claims["sid"]
    if not isinstance(amr, list) or not all(isinstance(method, str) for method in amr):
        raise InvalidAccessToken("malformed amr")
    if not isinstance(subject, str) or not isinstance(session_id, str):
        raise InvalidAccessToken("malformed claims")
    return AccessToken(subject=subject, session_id=session_id, amr=tuple(amr))
