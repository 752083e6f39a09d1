"""Who is calling, and at which origin: the one place that believes X-Forwarded-* headers.

docs/api.md "Client IP": the socket peer, or the forwarded address when the peer is a proxy listed
in FORWARDED_ALLOW_IPS (empty trusts none, not even loopback). uvicorn's own
`ProxyHeadersMiddleware` does the work (the nearest X-Forwarded-For entry that is not a trusted
proxy is the client; X-Forwarded-Proto is the scheme), run by the app rather than by the server so
the same rule holds under any server and under the test client; `hexauth serve` keeps uvicorn's
own pass off, so the headers are read exactly once.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from entrypoints.http.request_id import current_client_ip

_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The client address as resolved for this request (None without a peer, e.g. a unix socket)."""
    client = connection.client
    return client.host if client is not None else None


async def _scope_rewritten(scope: Any, receive: Any, send: Any) -> None:
    """The app uvicorn's middleware hands on to: it rewrote the scope in place, nothing else."""


class ForwardedHeadersMiddleware(ASGIMiddleware):
    """uvicorn's ProxyHeadersMiddleware for the client and the scheme, then what it lacks; and
    the client address kept for log records."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, forwarded_allow_ips: Iterable[str]) -> None:
        # uvicorn would trust 127.0.0.1 by default: the list is always passed, and empty trusts
        # none. Networks are given as uvicorn parses them (strict: 10.0.0.0/8, not 10.0.0.5/8).
        trusted = [
            entry if entry == "*" else str(ipaddress.ip_network(entry, strict=False))
            for entry in (entry.strip() for entry in forwarded_allow_ips)
            if entry
        ]
        self._proxy_headers = ProxyHeadersMiddleware(_scope_rewritten, trusted_hosts=trusted)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        peer = scope.get("client")
        if peer is not None:
            # An IPv4 client on a dual-stack socket (::ffff:a.b.c.d) is judged as the IPv4
            # address it is; uvicorn compares it as IPv6 and would not find it in 10.0.0.0/8.
            peer = (_canonical(peer[0]) or peer[0], peer[1])
            scope["client"] = peer
        scheme = scope["scheme"]
        # uvicorn and Litestar each type the ASGI dicts with TypedDicts of their own.
        await self._proxy_headers(scope, receive, send)  # type: ignore[arg-type]
        if peer is not None and peer[0] in self._proxy_headers.trusted_hosts:
            _apply_what_uvicorn_lacks(scope, peer, scheme)
        client = scope.get("client")
        host = client[0] if client else None
        token = current_client_ip.set(host)
        try:
            await next_app(scope, receive, send)
        finally:
            current_client_ip.reset(token)


def _apply_what_uvicorn_lacks(scope: Scope, peer: tuple[str, int], scheme: str) -> None:
    """The rest of a trusted proxy's word, which uvicorn does not apply:

    - a forwarded client that is not an address ("unknown", a name) names no one: the peer stays;
      one that is, gets one spelling (so a throttle counts one client once);
    - a chain of proxies sends X-Forwarded-Proto as a list, whose last entry is the nearest
      proxy's (uvicorn reads the header whole, ignores "http, https", and takes "ws" for http);
    - X-Forwarded-Host, for the CSRF own-origin rule (docs/api.md "CSRF header").
    """
    client = scope["client"] or peer
    canonical = _canonical(client[0])
    scope["client"] = peer if canonical is None else (canonical, client[1])
    headers = MutableScopeHeaders(scope)
    proto = _last(headers.get("x-forwarded-proto")).lower()
    scope["scheme"] = proto if proto in {"http", "https"} else scheme
    host = _last(headers.get("x-forwarded-host"))
    if _HOST.fullmatch(host):
        headers["host"] = host


# Most requests come from few peers (proxies, steady clients): remembering the parses is the
# same trade uvicorn's trust check makes.
@functools.lru_cache(maxsize=4096)
def _canonical(host: str) -> str | None:
    """The canonical text of an address (IPv4-mapped IPv6 as IPv4), or None if not one."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _last(value: str | None) -> str:
    return (value or "").split(",")[-1].strip()
