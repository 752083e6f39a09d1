"""CSRF defence for the endpoints a cookie authenticates (/auth/refresh, /auth/logout).

SameSite=Strict already keeps the cookie off cross-site requests in current browsers; these
checks are the second line (OWASP CSRF cheat sheet: custom request header, Fetch Metadata,
Origin verification), for older browsers and same-site-but-cross-origin attackers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection

from entrypoints.http.problems import CSRF_REJECTED


async def require_same_origin_request(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Refuse with 403 csrf-rejected what a cross-site page could send.

    A route's `before_request` hook rather than a guard: Litestar copies the route handler for
    every guard call, and runs a sync guard in a worker thread, which together cost a refresh
    about 50 µs (docs/performance.md). Async although it never awaits, for the same reason.
    It runs before the request's parameters are read and the handler is called.
    """
    headers = connection.headers
    if not headers.get("x-requested-with", "").strip():
        raise CSRF_REJECTED.exception("the X-Requested-With header is required")
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise CSRF_REJECTED.exception("cross-site requests are refused")
    origin = headers.get("origin")
    if origin is not None and not _is_allowed_origin(connection, origin):
        raise CSRF_REJECTED.exception("requests from this origin are refused")


def _is_allowed_origin(connection: ASGIConnection[Any, Any, Any, Any], origin: str) -> bool:
    """The request's own origin, or one listed in CORS_ALLOWED_ORIGINS.

    Own origin: scheme and Host as the server sees them, which behind a trusted proxy is what its
    X-Forwarded-Proto and X-Forwarded-Host say (entrypoints.http.forwarded applied them already).
    """
    presented = origin_key(origin)
    if presented is None:  # "null" (sandboxed frames, file://) and anything malformed
        return False
    allowed: frozenset[tuple[str, str, int] | None] = connection.app.state.get(
        "cors_allowed_origin_keys", frozenset()
    )
    own = f"{connection.url.scheme}://{connection.headers.get('host', '')}"
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
