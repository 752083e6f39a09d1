"""Cross-site request refusal (docs/api.md "CSRF header" and "Cross-site requests"), as
Litestar middleware on the routes that need it.

`REFUSE_CROSS_SITE` guards the endpoints without auth that set a cookie or change state
(register, login, password forgot and reset, email verify; a new such endpoint opts in with
`middleware=[REFUSE_CROSS_SITE]`): a login CSRF would otherwise sign a victim's browser into
the attacker's account. Their JSON-only bodies already force a CORS preflight, so they need no
custom header.

`REQUIRE_SAME_ORIGIN_REQUEST` guards the endpoints a cookie authenticates (/auth/refresh,
/auth/logout), and also wants `X-Requested-With`. SameSite=Strict already keeps the cookie off
cross-site requests in current browsers; these checks are the second line (OWASP CSRF cheat
sheet: custom request header, Fetch Metadata, Origin verification).

Route middleware runs before the handler's guards, parameters, dependencies and body, so a
refused request creates, counts and sets nothing. Middleware rather than a guard: Litestar
copies the route handler for every guard it calls, ≈ 40 µs a request (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from entrypoints.http.problems import CSRF_REJECTED

_HOST = b"host"


class CrossSiteRefusal(ASGIMiddleware):
    """403 csrf-rejected for `Sec-Fetch-Site: cross-site` or a foreign `Origin`, and, when
    `require_custom_header`, for a request without a non-empty `X-Requested-With` (which no
    cross-site form can send)."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, *, require_custom_header: bool) -> None:
        self._require_custom_header = require_custom_header

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        refuse_cross_site(ASGIConnection(scope), require_custom_header=self._require_custom_header)
        await next_app(scope, receive, send)


REFUSE_CROSS_SITE = CrossSiteRefusal(require_custom_header=False)
REQUIRE_SAME_ORIGIN_REQUEST = CrossSiteRefusal(require_custom_header=True)


def refuse_cross_site(
    connection: ASGIConnection[Any, Any, Any, Any], *, require_custom_header: bool
) -> None:
    """The check itself: raise the 403 csrf-rejected problem, or return."""
    headers = connection.headers
    if require_custom_header and not headers.get("x-requested-with", "").strip():
        raise CSRF_REJECTED.exception("the X-Requested-With header is required")
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise CSRF_REJECTED.exception("cross-site requests are refused")
    origin = headers.get("origin")
    if origin is not None and not _is_allowed_origin(connection, origin):
        raise CSRF_REJECTED.exception("requests from this origin are refused")


def _is_allowed_origin(connection: ASGIConnection[Any, Any, Any, Any], origin: str) -> bool:
    """The request's own origin, or one listed in CORS_ALLOWED_ORIGINS.

    Own origin: scheme and Host as the server sees them, which behind a trusted proxy is what its
    X-Forwarded-Proto and X-Forwarded-Host say. entrypoints.http.forwarded rewrote the scope
    itself; it is read from there, since Litestar's CORS middleware may have parsed the headers
    before that rewrite.
    """
    presented = origin_key(origin)
    if presented is None:  # "null" (sandboxed frames, file://) and anything malformed
        return False
    allowed: frozenset[tuple[str, str, int] | None] = connection.app.state.get(
        "cors_allowed_origin_keys", frozenset()
    )
    scope = connection.scope
    host = next((value for key, value in scope["headers"] if key == _HOST), b"")
    own = f"{scope['scheme']}://{host.decode('latin-1')}"
    return presented == origin_key(own) or presented in allowed


def origin_keys(origins: Iterable[str]) -> frozenset[tuple[str, str, int] | None]:
    """The keys of the configured origins, computed once when the app is built."""
    return frozenset(origin_key(origin) for origin in origins)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_key(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a serialized origin (RFC 6454 6.2), case and default port aside."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return parts.scheme, parts.hostname, _DEFAULT_PORTS[parts.scheme] if port is None else port
