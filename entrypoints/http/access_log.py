"""One access line per request: method, route, status, duration (and, from the log filter, the
request id and client address).

Ours rather than uvicorn's, which is switched off: uvicorn's line holds the raw path with its
query string (a secret can travel in either), and its fields are not public. The route template
(`/auth/sessions/{id:uuid}`) names the endpoint without the ids in the path.
"""

from __future__ import annotations

import logging
import time

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("hexauth.access")


class AccessLogMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()
        status = 500  # what the client gets when nothing was sent

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await next_app(scope, receive, send_noting_status)
        finally:
            route = scope.get("path_template") or "-"
            method = scope.get("method", "-")
            duration_ms = round((time.perf_counter() - started) * 1000, 3)
            log.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "method": method,
                    "path": route,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
