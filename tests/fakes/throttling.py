"""An AttemptCounter on a test clock; tests/integration/throttling runs the adapters' contract on it
too, so it cannot drift from them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from application.ports import AttemptCounter, AttemptCounterUnavailable, Attempts, Clock


@dataclass
class InMemoryAttemptCounter(AttemptCounter):
    """Fixed windows on `clock`; `unavailable = True` makes every call fail like a dead store."""

    clock: Clock
    windows: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    unavailable: bool = False

    async def hit(self, key: str, window: timedelta) -> Attempts:
        self._check()
        count, ends = self._live(key) or (0, self.clock.now() + window)
        self.windows[key] = (count + 1, ends)
        return self._attempts(count + 1, ends)

    async def release(self, key: str) -> None:
        self._check()
        live = self._live(key)
        if live is None or live[0] <= 1:
            self.windows.pop(key, None)
        else:
            self.windows[key] = (live[0] - 1, live[1])

    async def peek(self, key: str) -> Attempts:
        self._check()
        live = self._live(key)
        return Attempts(0, 0) if live is None else self._attempts(*live)

    async def reset(self, key: str) -> None:
        self._check()
        self.windows.pop(key, None)

    def _live(self, key: str) -> tuple[int, datetime] | None:
        entry = self.windows.get(key)
        if entry is None or entry[1] <= self.clock.now():
            return None
        return entry

    def _attempts(self, count: int, ends: datetime) -> Attempts:
        remaining = (ends - self.clock.now()).total_seconds()
        return Attempts(count, max(1, math.ceil(remaining)))

    def _check(self) -> None:
        if self.unavailable:
            raise AttemptCounterUnavailable("the fake store is down")
