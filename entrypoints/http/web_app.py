"""The browser app (clients/web, built), served from the API's own origin when WEB_APP_DIR is set.

One origin for the page and the API is what the refresh cookie needs (`SameSite=Strict`,
`Path=/auth`): the app's fetches are same-origin, so no CORS and no cross-site cookie rules.
Only three kinds of path are taken: the document at `/` and at the app's own routes, and its
hashed bundles under `/assets/`; every other path stays the API's, 404 problems included.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Router, get
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.response import File
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

# Paths the app routes itself (links in mails land there); each answers the same document.
CLIENT_ROUTES = ["/", "/reset-password", "/verify-email"]

# No inline script or style, nothing from another origin, no framing: an injected <script> or
# attribute handler does not run, so an XSS cannot reach the token held in the page's memory.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

DOCUMENT_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
]


def web_app_handlers(web_app_dir: str) -> list[ControllerRouterHandler]:
    """The document at `/` and the client routes, and `/assets/` (immutable: names are hashed).

    None when `web_app_dir` is empty: the service is then the API alone.
    """
    if not web_app_dir:
        return []
    directory = Path(web_app_dir)
    index = directory / "index.html"

    @get(
        CLIENT_ROUTES,
        include_in_schema=False,
        response_headers=DOCUMENT_HEADERS,
        cache_control=CacheControlHeader(no_cache=True),
        sync_to_thread=False,
    )
    def document() -> File:
        return File(
            index, filename="index.html", media_type="text/html", content_disposition_type="inline"
        )

    assets: Router = create_static_files_router(
        path="/assets",
        directories=[directory / "assets"],
        name="web-app-assets",
        cache_control=CacheControlHeader(max_age=31_536_000, public=True, immutable=True),
    )
    return [document, assets]
