"""The bearer check, as Litestar's authentication middleware (RFC 6750).

`create_app` puts the routes that need a signed-in caller under one router with this middleware;
a handler there reads the caller as `request.user` (a `Principal`). As middleware rather than a
dependency, the check runs before the handler's parameters and dependencies, and leaves each
of those handlers one dependency fewer: Litestar resolves a batch of several in an anyio task
group, about 45 µs a request (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from application.authenticate import Authenticate
from entrypoints.http.dependencies import provide_principal


class BearerAuthentication(AbstractAuthenticationMiddleware):
    """Only an access token in `Authorization: Bearer` gets through; else 401 invalid-token."""

    def __init__(self, app: ASGIApp, authenticate: Callable[[], Authenticate]) -> None:
        super().__init__(app)
        self._authenticate = authenticate  # the container's provider: overrides apply

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        principal = provide_principal(connection, self._authenticate())
        return AuthenticationResult(user=principal, auth=None)
