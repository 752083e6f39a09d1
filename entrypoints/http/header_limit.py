"""A cap on the size of a request's headers: 431 past 16 KiB (RFC 6585 5).

uvicorn's default HTTP parser (httptools) sets no limit of its own (only its h11 parser has
one, `h11_max_incomplete_event_size`, and answers a bare 400), so the app refuses oversized
header sections itself, before routing work, parsing or any dependency. Like nginx and Node.js,
it counts the whole header section; a proxy in front should cap it too (README, "Deployment").
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from entrypoints.http.problems import HEADERS_TOO_LARGE

MAX_HEADER_BYTES = 16 * 1024


def header_bytes(scope: Scope) -> int:
    # Name, value, and the ": " and CRLF around each line, as they came over the wire.
    return sum(len(name) + len(value) + 4 for name, value in scope["headers"])


class HeaderSizeLimitMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if header_bytes(scope) > MAX_HEADER_BYTES:
            raise HEADERS_TOO_LARGE.exception(
                f"the request headers are over {MAX_HEADER_BYTES // 1024} KiB"
            )
        await next_app(scope, receive, send)
