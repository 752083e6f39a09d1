"""The browser app (clients/web, built), served from the API's own origin when WEB_APP_DIR is set.

One origin for the page and the API is what the refresh cookie needs (`SameSite=Strict`,
`Path=/auth`): the app's fetches are same-origin, so no CORS and no cross-site cookie rules.
Its pages get the HTML headers (a strict CSP, no framing) from entrypoints/http/edge_headers.py.
Only three kinds of path are taken: the document at `/` and at the app's own routes, and its
hashed bundles under `/assets/`; every other path stays the API's, 404 problems included.
"""

from __future__ import annotations

from pathlib import Path

from litestar import get
from litestar.datastructures import CacheControlHeader
from litestar.response import File
from litestar.types import ControllerRouterHandler

from entrypoints.http.static_files import contained_static_files_router

# Paths the app routes itself (links in mails land there); each answers the same document.
CLIENT_ROUTES = ["/", "/reset-password", "/verify-email"]


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
        cache_control=CacheControlHeader(no_cache=True),
        sync_to_thread=False,
    )
    def document() -> File:
        return File(
            index, filename="index.html", media_type="text/html", content_disposition_type="inline"
        )

    assets = contained_static_files_router(
        path="/assets",
        directory=directory / "assets",
        name="web-app-assets",
        cache_control=CacheControlHeader(max_age=31_536_000, public=True, immutable=True),
    )
    return [document, assets]
