"""The resource server's HTTP API: two routes behind hexauth access tokens."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Request, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import (
    NotAuthorizedException,
    PermissionDeniedException,
    ServiceUnavailableException,
)

from examples.resource_server.verifier import (
    AccessToken,
    AccessTokenVerifier,
    InvalidAccessToken,
    KeySetUnavailable,
)

logger = logging.getLogger(__name__)

# RFC 6750 section 3: a request without a bearer token gets the bare challenge, one with a
# refused token the `invalid_token` error (section 3.1).
BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}
INVALID_TOKEN_CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


@dataclass(frozen=True, slots=True)
class Caller:
    sub: str
    amr: list[str]


@dataclass(frozen=True, slots=True)
class SensitiveData:
    sub: str
    data: str


@get("/health")
async def health() -> dict[str, str]:
    """For a load balancer: the process serves (the JWKS is fetched on the first token)."""
    return {"status": "ok"}


@get("/whoami")
async def whoami(access_token: NamedDependency[AccessToken]) -> Caller:
    """Any valid access token."""
    return Caller(sub=access_token.subject, amr=list(access_token.amr))


@get("/sensitive")
async def sensitive(access_token: NamedDependency[AccessToken]) -> SensitiveData:
    """Stands for any route that must not open to a password alone: it needs `amr` `mfa`."""
    if not access_token.used_a_second_factor:
        raise PermissionDeniedException("this route needs a sign-in with a second factor")
    return SensitiveData(sub=access_token.subject, data="what only a second factor opens")


def create_app(verifier: AccessTokenVerifier) -> Litestar:
    """The app, verifying every bearer token with `verifier`."""

    def verified_access_token(request: Request[Any, Any, Any]) -> AccessToken:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("a bearer token is required", headers=BEARER_CHALLENGE)
        try:
            return verifier.verify(token.strip())
        except InvalidAccessToken as refused:
            # The reason only: never the token (it is a credential until it expires).
            logger.info("access token refused: %s", refused)
            raise NotAuthorizedException("invalid token", headers=INVALID_TOKEN_CHALLENGE) from None
        except KeySetUnavailable:
            logger.warning("hexauth's JWKS could not be fetched")
            raise ServiceUnavailableException("the token's keys cannot be fetched now") from None

    return Litestar(
        route_handlers=[health, whoami, sensitive],
        # PyJWKClient fetches the JWKS with blocking I/O: in a worker thread, off the event loop.
        dependencies={"access_token": Provide(verified_access_token, sync_to_thread=True)},
    )
