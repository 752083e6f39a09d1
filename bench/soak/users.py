"""The simulated people: each registers (or arrives later and registers then), keeps its tabs
asking GET /users/me every few hundred milliseconds, and now and then signs out and in again.
A person its client found signed out (a lost session, which the verdict counts) signs in again,
so one failure does not silence the rest of its run."""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from dataclasses import dataclass, field

from bench.soak.browser import Browser, Recorder, Tab

POLL = (0.2, 0.6)  # seconds between a tab's requests
SESSION_LENGTH = (12.0, 35.0)  # seconds a person stays signed in before signing out
OFFLINE = (0.5, 2.0)  # seconds between signing out and signing in again
RESIGN_PAUSE = 1.0  # seconds before trying to sign in again after a refused attempt

jitter = random.Random()  # noqa: S311 (when people act, not a secret)


class Load:
    """How long the people keep going: `seconds`, and in any case until the faults are over
    and the service has had RECOVERY seconds to show it serves again."""

    RECOVERY = 5.0

    def __init__(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds

    def on(self) -> bool:
        return time.monotonic() < self.until

    def left(self) -> float:
        return max(0.0, self.until - time.monotonic())

    def hold(self) -> None:
        """Keep going until `release`."""
        self.until = float("inf")

    def release(self, planned: float) -> None:
        self.until = max(planned, time.monotonic() + self.RECOVERY)


@dataclass
class Person:
    email: str
    browser: Browser
    arrives_at: float  # monotonic time of its first visit
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    registered: bool = False

    async def live(self, load: Load) -> None:
        await asyncio.sleep(max(0.0, self.arrives_at - time.monotonic()))
        tabs = [asyncio.create_task(self._tab(tab, load)) for tab in self.browser.tabs]
        try:
            while load.on():
                if not self.browser.signed_in:
                    await self._sign_in()
                    continue
                stay = min(load.left(), jitter.uniform(*SESSION_LENGTH))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.browser.dropped.wait(), stay)
                if load.on() and self.browser.signed_in:
                    await self.browser.log_out()
                    await asyncio.sleep(jitter.uniform(*OFFLINE))
        finally:
            await asyncio.gather(*tabs)

    async def _sign_in(self) -> None:
        body = {"email": self.email, "password": self.password}
        if not self.registered:
            response = await self.browser.sign_in("/auth/register", body)
            # 409: an earlier attempt was cut off (a 502) after the account was created.
            if response is not None and response.status_code in (201, 409):
                self.registered = True
            if response is not None and response.status_code == 201:
                return
        if self.registered:
            response = await self.browser.sign_in("/auth/login", body)
            if response is not None and response.status_code == 200:
                return
        await asyncio.sleep(RESIGN_PAUSE)

    async def _tab(self, tab: Tab, load: Load) -> None:
        browser = self.browser
        while load.on():
            if not browser.signed_in:
                await asyncio.sleep(0.2)
                continue
            if tab.session != browser.session:
                await browser.refresh(tab)  # the client's "signed-in" broadcast: a tab refreshes
            elif time.monotonic() >= tab.refresh_at:
                if browser.serialized or tab is browser.tabs[0]:
                    await browser.refresh_due(tab)
            else:
                await browser.me(tab)
            await asyncio.sleep(jitter.uniform(*POLL))


def people(
    count: int, base_url: str, run_id: str, seconds: float, record: Recorder
) -> list[Person]:
    """`count` people: two in three arrive in the run's first tenth (at least 5 s: registering
    takes a password hash, and a crowd arriving at once would be a login storm, not a soak), the
    rest during the first 60% of the run (so registrations, and their mails, meet the faults).
    Every third one keeps two tabs, and every other two-tab browser runs without the cross-tab
    lock. Each has a client IP of its own (127.0.x.y), which nginx forwards, so the per-IP limits
    see people, not nginx."""
    start = time.monotonic()
    crowd = []
    for index in range(count):
        tabs = 2 if index % 3 == 0 else 1
        serialized = tabs == 1 or index % 6 == 0
        name = f"user{index:03d}"
        ip = f"127.0.{2 + index // 250}.{1 + index % 250}"
        browser = Browser(name, base_url, ip, tabs, serialized, record)
        late = index % 3 == 2
        window = 0.6 * seconds if late else max(5.0, 0.1 * seconds)
        arrives = start + jitter.uniform(0, window)
        crowd.append(Person(f"soak-{run_id}-{index}@example.com", browser, arrives))
    return crowd
