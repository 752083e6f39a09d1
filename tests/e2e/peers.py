"""A TestClient whose requests come from a socket address of the test's choosing.

Litestar's TestClient always says its peer is ("testclient", 50000); the client-IP and proxy
rules need real addresses, so this transport puts `peer` in the ASGI scope instead. The app is
untouched: it sees exactly what a server would hand it for a connection from `peer`.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from litestar.testing.transport import TestClientTransport

from tests.e2e.conftest import BASE_URL


class _PeerTransport(TestClientTransport[Any]):
    def __init__(self, client: TestClient[Any], peer: str) -> None:
        super().__init__(client=client, raise_server_exceptions=True, root_path="")
        self.peer = peer

    def parse_request(self, request: Any) -> dict[str, Any]:
        scope = super().parse_request(request)
        scope["client"] = (self.peer, 50000)
        return scope


class PeerTestClient(TestClient[Litestar]):
    """`client.peer = "203.0.113.9"` makes the next requests arrive from that address."""

    def __init__(self, app: Litestar, peer: str = "192.0.2.10", base_url: str = BASE_URL) -> None:
        super().__init__(app, base_url=base_url)
        self._peer_transport = _PeerTransport(self, peer)
        self._transport = self._peer_transport

    @property
    def peer(self) -> str:
        return self._peer_transport.peer

    @peer.setter
    def peer(self, value: str) -> None:
        self._peer_transport.peer = value
