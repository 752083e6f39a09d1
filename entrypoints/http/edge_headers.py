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

# Every HTML page (the browser app, the OpenAPI page, Litestar's own HTML answers): no inline
# script or style, nothing from another origin, no framing. An injected <script> or attribute
# handler does not run, so an XSS cannot reach the token held in the page's memory, and no other
# site can frame a page to trick a click (CSP3 frame-ancestors; X-Frame-Options for older
# browsers, RFC 7034). `data:` images: Swagger UI's stylesheet draws its icons with them.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HTML_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


async def add_edge_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers[HEADER] = request_id_of(scope)
    # No MIME sniffing of a response into something executable (Fetch standard, "nosniff").
    headers["x-content-type-options"] = "nosniff"
    if scope["path"].startswith(_PRIVATE_PREFIXES):
        headers["cache-control"] = "no-store"
    # Keyed on what the response is, not on its route: a new HTML page cannot be forgotten.
    if headers.get("content-type", "").lower().startswith("text/html"):
        for name, value in HTML_HEADERS.items():
            headers[name] = value
