"""Every request gets an id: the caller's `X-Request-ID` when well-formed, else a fresh one.

The id is echoed in the response header, held in a context variable for the request's duration
and stamped on every log record made meanwhile (`record.request_id`), so one request's lines can
be found together, and a 500's id leads to its traceback.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
# Short and plain, so a caller cannot inject log lines or oversized values through it.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# Set by entrypoints.http.forwarded, the one place that resolves the client address.
current_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def request_id_from(raw: str | None) -> str:
    if raw is not None and _WELL_FORMED.fullmatch(raw):
        return raw
    return uuid.uuid4().hex


class RequestIdMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        raw = next((v for k, v in scope["headers"] if k == HEADER.encode()), None)
        request_id = request_id_from(raw.decode("latin-1") if raw is not None else None)
        token = current_request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)[HEADER] = request_id
            await send(message)

        try:
            await next_app(scope, receive, send_with_id)
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
