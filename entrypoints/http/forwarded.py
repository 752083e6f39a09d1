"""Who is calling, and at which origin: the one place that believes X-Forwarded-* headers.

docs/api.md "Client IP": the socket peer, or the forwarded address when the peer is a proxy listed
in FORWARDED_ALLOW_IPS (empty trusts none, not even loopback). The app applies this itself, and
`hexauth serve` runs uvicorn with proxy_headers off, so the headers are read exactly once, and the
same rule holds under any server and under the test client. Like uvicorn's ProxyHeadersMiddleware,
whose list syntax it accepts (addresses, networks, `*`), it takes the nearest address in
X-Forwarded-For that is not a trusted proxy: entries further left were written by the client.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Empty, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from entrypoints.http.request_id import current_client_ip

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")


class TrustedProxies:
    """The FORWARDED_ALLOW_IPS list: addresses, networks (`10.0.0.0/8`) or `*` for any peer."""

    def __init__(self, entries: Iterable[str]) -> None:
        entries = [entry.strip() for entry in entries if entry.strip()]
        self.trust_all = "*" in entries
        self._networks = [ipaddress.ip_network(e, strict=False) for e in entries if e != "*"]

    def __contains__(self, host: str | None) -> bool:
        if self.trust_all:
            return host is not None
        address = _address(host)
        return address is not None and any(address in network for network in self._networks)


def client_from_forwarded_for(header: str, proxies: TrustedProxies) -> str | None:
    """The client named by an X-Forwarded-For list whose last writer is a trusted proxy.

    Each proxy appends the address it got the request from, so walking from the right, the first
    address that is not a trusted proxy is the client. None when that entry is not an address.
    """
    hops = [_strip_port(hop.strip()) for hop in header.split(",")]
    if not proxies.trust_all:
        for hop in reversed(hops):
            if hop not in proxies:
                return _normalized(hop)
    # Every hop is a trusted proxy (or all are trusted): the leftmost is the client.
    return _normalized(hops[0])


def apply_forwarded_headers(scope: Scope, proxies: TrustedProxies) -> None:
    """Rewrite the scope's client, scheme and Host as the trusted proxy says, if the peer is one."""
    peer = scope.get("client")
    if peer is None or peer[0] not in proxies:
        return
    headers = MutableScopeHeaders(scope)
    forwarded_for = ", ".join(headers.getall("x-forwarded-for", []))
    if forwarded_for.strip():
        client = client_from_forwarded_for(forwarded_for, proxies)
        if client is not None:
            scope["client"] = (client, 0)
    proto = _last(headers.get("x-forwarded-proto")).lower()
    if proto in {"http", "https"}:
        scope["scheme"] = proto
    host = _last(headers.get("x-forwarded-host"))
    if _HOST.fullmatch(host):
        headers["host"] = host
    # Litestar's CORS middleware runs before this one and caches the parsed headers (and any URL)
    # in the scope; forget them, so everything after sees the rewritten scope.
    state = ScopeState.from_scope(scope)
    state.headers = state.url = state.base_url = Empty


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The client address as resolved for this request (None without a peer, e.g. a unix socket)."""
    client = connection.client
    return client.host if client is not None else None


class ForwardedHeadersMiddleware(ASGIMiddleware):
    """Applies `apply_forwarded_headers` first, and keeps the client address for log records."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, forwarded_allow_ips: Iterable[str]) -> None:
        self._proxies = TrustedProxies(forwarded_allow_ips)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        apply_forwarded_headers(scope, self._proxies)
        client = scope.get("client")
        host = None
        if client:
            host = _normalized(client[0]) or client[0]
            scope["client"] = (host, client[1])
        token = current_client_ip.set(host)
        try:
            await next_app(scope, receive, send)
        finally:
            current_client_ip.reset(token)


def _address(host: str | None) -> _IPAddress | None:
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    # An IPv4 client on a dual-stack socket is one client, however it is spelled.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _normalized(host: str) -> str | None:
    """The canonical text of an address (so one client has one spelling), or None."""
    address = _address(host)
    return None if address is None else str(address)


def _strip_port(hop: str) -> str:
    if hop.startswith("["):  # [2001:db8::1]:443
        return hop[1:].split("]", 1)[0]
    if hop.count(":") == 1:  # 192.0.2.1:443
        return hop.split(":", 1)[0]
    return hop


def _last(value: str | None) -> str:
    return (value or "").split(",")[-1].strip()
