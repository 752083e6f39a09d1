"""Every request gets an id: the caller's `X-Request-ID` when well-formed, else a fresh one.

The middleware holds the id in a context variable for the request's duration, so every log
record made meanwhile is stamped with it (`record.request_id`) and a 500's id leads to its log
line. The response header itself is written by `entrypoints.http.edge_headers`, a `before_send`
hook that sees every response, including the 404 and 405 that no route middleware runs for.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

HEADER = "x-request-id"
_HEADER_BYTES = HEADER.encode()
# docs/api.md "Conventions": short and plain, so a caller cannot inject log lines or oversized
# values.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,128}")

current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# Set by entrypoints.http.forwarded, the one place that resolves the client address.
current_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def request_id_from(raw: str | None) -> str:
    if raw is not None and _WELL_FORMED.fullmatch(raw):
        return raw
    return uuid.uuid4().hex


def request_id_of(scope: Scope) -> str:
    """The id of the request in `scope`: the one already chosen for it, or a new choice."""
    chosen = current_request_id.get()
    if chosen is not None:
        return chosen
    raw = next((value for key, value in scope["headers"] if key == _HEADER_BYTES), None)
    return request_id_from(raw.decode("latin-1") if raw is not None else None)


class RequestIdMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = current_request_id.set(request_id_of(scope))
        try:
            await next_app(scope, receive, send)
        finally:
            current_request_id.reset(token)


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request), and `client_ip` where the
    record has none of its own, so every security event names the client; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        if getattr(record, "client_ip", None) is None:
            record.client_ip = current_client_ip.get()
        return True
