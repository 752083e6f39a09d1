"""CSRF defence for the endpoints a cookie authenticates (/auth/refresh, /auth/logout).

SameSite=Strict already keeps the cookie off cross-site requests in current browsers; these
checks are the second line (OWASP CSRF cheat sheet: custom request header, Fetch Metadata,
Origin verification), for older browsers and same-site-but-cross-origin attackers.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from entrypoints.http.problems import CSRF_REJECTED


def require_same_origin_request(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """A Litestar guard: refuse with 403 csrf-rejected what a cross-site page could send."""
    headers = connection.headers
    if not headers.get("x-requested-with", "").strip():
        raise CSRF_REJECTED.exception("the X-Requested-With header is required")
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise CSRF_REJECTED.exception("cross-site requests are refused")
    origin = headers.get("origin")
    if origin is not None and not _is_allowed_origin(connection, origin):
        raise CSRF_REJECTED.exception("requests from this origin are refused")


def _is_allowed_origin(connection: ASGIConnection[Any, Any, Any, Any], origin: str) -> bool:
    allowed: tuple[str, ...] = connection.app.state.get("cors_allowed_origins", ())
    own = f"{connection.url.scheme}://{connection.headers.get('host', '')}"
    return origin.rstrip("/") in {own, *allowed}
