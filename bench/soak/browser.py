"""One person's browser, acting by the web client's rules (clients/web/src/auth/client.ts): the
refresh cookie in a jar its tabs share, each tab's access token in memory, a refresh ahead of
expiry, `X-Requested-With` on the cookie requests, a 401 refreshed once and retried once, and a
refused refresh meaning signed out. Its cookie requests hold one lock across its tabs, like the
client's Web Lock, unless `serialized` is False (a browser without Web Locks: its tabs race, and
the server's refresh grace window answers the loser).

What the client does not: 503s and 502s are retried here at once within bounds (honouring
Retry-After, at most RETRY_CAP seconds each), where the web app would show an error and the user
would press the button again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench.soak.events import Exchange, LoggedOut, SignedOut

CSRF = {"X-Requested-With": "hexauth-web"}  # the client's header (docs/api.md "CSRF header")
REFRESH_AHEAD = 30.0  # or a quarter of the token's lifetime, when that is shorter (the client's)
ATTEMPTS = 8
RETRY_CAP = 5.0
TIMEOUT = 20.0  # longer than any answer hexauth may take (5 s store deadline) plus a busy host

Recorder = Callable[[object], None]


@dataclass
class Tab:
    token: str | None = None
    session: int = -1
    refresh_at: float = 0.0

    def accept(self, tokens: dict[str, Any], session: int) -> None:
        lifetime = float(tokens["expires_in"])
        self.token, self.session = str(tokens["access_token"]), session
        self.refresh_at = time.monotonic() + lifetime - min(REFRESH_AHEAD, lifetime / 4)


class Browser:
    def __init__(
        self,
        name: str,
        base_url: str,
        ip: str,
        tabs: int,
        serialized: bool,
        record: Recorder,
        transport: httpx.AsyncBaseTransport | None = None,  # tests pass a fake server
    ) -> None:
        self.name, self.record, self.serialized = name, record, serialized
        self.http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport or httpx.AsyncHTTPTransport(local_address=ip),
            timeout=TIMEOUT,
            # One connection per request: a browser retries a request that meets a kept-alive
            # connection its server just closed (nginx's reload closes idle ones); httpx does not.
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": f"hexauth-soak/{name}"},
        )
        self.tabs = [Tab() for _ in range(tabs)]
        self.session = 0  # numbers this browser's sign-ins; bumped by login and by logout
        self.signed_in = False
        self.dropped = asyncio.Event()  # set when the client finds itself signed out
        self._cookie_lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def holding_cookie(self) -> AsyncIterator[None]:
        if not self.serialized:
            yield
            return
        async with self._cookie_lock:
            yield

    async def send(
        self, kind: str, method: str, path: str, **options: Any
    ) -> httpx.Response | None:
        """The request, retried on 503 and 502 within bounds; None when no answer came."""
        for attempt in range(ATTEMPTS):
            started = time.monotonic()
            try:
                response = await self.http.request(method, path, **options)
            except httpx.TransportError as error:
                what = f"{type(error).__name__}: {error}"
                self.record(Exchange(self.name, kind, started, time.monotonic(), None, error=what))
                return None
            self.record(
                Exchange(
                    self.name,
                    kind,
                    started,
                    time.monotonic(),
                    response.status_code,
                    retry_after="retry-after" in response.headers,
                    upstream=response.headers.get("x-soak-upstream", ""),
                    shed=_shed(response),
                )
            )
            if response.status_code not in (502, 503) or attempt == ATTEMPTS - 1:
                return response
            await asyncio.sleep(_retry_delay(response))
        raise AssertionError("unreachable")

    async def refresh(self, tab: Tab) -> bool:
        """True when `tab` holds a fresh access token afterwards."""
        session = self.session
        async with self.holding_cookie():
            response = await self.send("refresh", "POST", "/auth/refresh", headers=CSRF)
        if response is None or response.status_code >= 500:
            return False  # still signed in: the next turn tries again
        if response.status_code == 200:
            if session == self.session:
                tab.accept(response.json(), session)
            return True
        self.signed_out(session)
        return False

    async def refresh_due(self, tab: Tab) -> None:
        """The client's timer: this tab refreshes; without the cross-tab lock, every tab of the
        browser refreshes at this moment (the race the grace window answers)."""
        if self.serialized:
            await self.refresh(tab)
        else:
            await asyncio.gather(*(self.refresh(each) for each in self.tabs))

    async def me(self, tab: Tab) -> None:
        session, sent = tab.session, tab.token
        headers = {"Authorization": f"Bearer {sent}"}
        response = await self.send("me", "GET", "/users/me", headers=headers)
        if response is None or response.status_code != 401 or tab.token != sent:
            return
        if await self.refresh(tab):  # the client: a 401 refreshes once and retries once
            headers = {"Authorization": f"Bearer {tab.token}"}
            retried = await self.send("me", "GET", "/users/me", headers=headers)
            if retried is not None and retried.status_code == 401:
                self.signed_out(session)

    def signed_out(self, session: int) -> None:
        self.record(SignedOut(self.name, session, time.monotonic()))
        if session == self.session:
            self.signed_in = False
            self.dropped.set()

    async def sign_in(self, path: str, body: dict[str, str]) -> httpx.Response | None:
        async with self.holding_cookie():
            response = await self.send(path.rsplit("/", 1)[1], "POST", path, json=body)
        if response is not None and response.status_code in (200, 201):
            self.session += 1
            self.tabs[0].accept(response.json(), self.session)
            self.signed_in = True
            self.dropped.clear()
        return response

    async def log_out(self) -> None:
        self.record(LoggedOut(self.name, self.session, time.monotonic()))
        self.signed_in = False
        self.session += 1
        async with self.holding_cookie():
            await self.send("logout", "POST", "/auth/logout", headers=CSRF)

    async def close(self) -> None:
        await self.http.aclose()


def _shed(response: httpx.Response) -> bool:
    """A 503 of load shedding: entrypoints/http/problems.py answers password hashing past
    capacity with "the service is busy right now", an outage with "... unavailable ..."."""
    if response.status_code != 503:
        return False
    with contextlib.suppress(ValueError, AttributeError):
        return "busy" in str(response.json().get("detail", ""))
    return False


def _retry_delay(response: httpx.Response) -> float:
    with contextlib.suppress(ValueError):
        return min(RETRY_CAP, max(0.2, float(response.headers.get("retry-after", "1"))))
    return 1.0
