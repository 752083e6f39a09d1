"""JSON-only request bodies (docs/api.md "Conventions"), checked before any other work.

A guard on every handler that reads a body: a media type other than JSON is 415, and a body that
cannot be decoded (not JSON, invalid UTF-8, a lone surrogate, nesting deeper than 32) is 400, so
no decoder error ever reaches the unhandled-error handler, and no database, hash or throttle is
touched for it. The body is read through Litestar (`Request.body`, which enforces the route's
size limit and keeps the bytes for the handler's own `data`), and decoded once more here.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from entrypoints.http.problems import MALFORMED_BODY, UNSUPPORTED_MEDIA_TYPE

MAX_DEPTH = 32


def is_json_media_type(media_type: str, options: dict[str, str]) -> bool:
    """`application/json` or `application/<anything>+json` (RFC 6839 3.1), UTF-8 if a charset
    is named (RFC 8259 8.1: JSON exchanged between systems is UTF-8)."""
    kind, _, subtype = media_type.strip().lower().partition("/")
    if kind != "application" or not (subtype == "json" or subtype.endswith("+json")):
        return False
    charset = options.get("charset")
    return charset is None or charset.strip().strip('"').lower() in {"utf-8", "utf8"}


def undecodable_reason(body: bytes) -> str | None:
    """Why `body` is not a JSON document this API can read, or None when it is one."""
    try:
        value = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return "the body is not UTF-8 JSON"
    except RecursionError:  # the decoder's own depth limit, far past ours
        return f"the body is nested deeper than {MAX_DEPTH} levels"
    return _unreadable_part(value)


def _unreadable_part(value: Any) -> str | None:
    # Iterative, so depth costs no recursion; every string is checked for lone surrogates
    # (`"\ud800"` is valid JSON but no UTF-8 text, and would fail later in a driver or a hash).
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if not item.isascii() and not _is_utf8_text(item):
                return "the body holds a string that is not valid Unicode text"
        elif isinstance(item, list | dict):
            if depth > MAX_DEPTH:
                return f"the body is nested deeper than {MAX_DEPTH} levels"
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return None


def _is_utf8_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def require_json_body(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """The guard: 415 for a media type other than JSON, 400 for a body that cannot be decoded."""
    if not isinstance(connection, Request):
        return
    media_type, options = connection.content_type
    if not is_json_media_type(media_type, options):
        raise UNSUPPORTED_MEDIA_TYPE.exception(
            "the body must be JSON (Content-Type: application/json)"
        )
    reason = undecodable_reason(await connection.body())
    if reason is not None:
        raise MALFORMED_BODY.exception(reason, errors=[{"field": "body", "message": reason}])
