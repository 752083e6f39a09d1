"""The headers every response carries (docs/api.md "Conventions"), 404, 405, 413 and 500 included.

A `before_send` hook rather than a middleware: Litestar runs middleware only for a matched
route, while `before_send` sees every message the app sends.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from entrypoints.http.request_id import HEADER, request_id_of

# Paths whose answers carry tokens or account data: never stored by any cache (RFC 9111 5.2.2.5).
_PRIVATE_PREFIXES = ("/auth/", "/users/")


async def add_edge_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers[HEADER] = request_id_of(scope)
    # No MIME sniffing of a response into something executable (Fetch standard, "nosniff").
    headers["x-content-type-options"] = "nosniff"
    if scope["path"].startswith(_PRIVATE_PREFIXES):
        headers["cache-control"] = "no-store"
