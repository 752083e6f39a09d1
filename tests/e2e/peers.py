"""A TestClient whose requests come from a socket address of the test's choosing.

Litestar's TestClient always says its peer is ("testclient", 50000); the client-IP and proxy
rules need real addresses, so the client calls the app through a thin ASGI wrapper that puts
`peer` in the scope instead. The app is untouched: it sees exactly what a server would hand it
for a connection from `peer`.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from litestar.types import Receive, Scope, Send

from tests.e2e.conftest import BASE_URL


class FromPeer:
    """`app`, called as a server would call it for a connection from `peer`."""

    def __init__(self, app: Litestar, peer: str) -> None:
        self.app = app
        self.peer = peer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            scope = {**scope, "client": (self.peer, 50000)}
        await self.app(scope, receive, send)


class PeerTestClient(TestClient[Any]):
    """`client.peer = "203.0.113.9"` makes the next requests arrive from that address."""

    def __init__(self, app: Litestar, peer: str = "192.0.2.10", base_url: str = BASE_URL) -> None:
        self.from_peer = FromPeer(app, peer)
        super().__init__(self.from_peer, base_url=base_url)

    @property
    def peer(self) -> str:
        return self.from_peer.peer

    @peer.setter
    def peer(self, value: str) -> None:
        self.from_peer.peer = value
