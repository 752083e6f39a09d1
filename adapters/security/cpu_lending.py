"""The event loop lends part of its thread's time to idle-priority work in flight.

The hashing threads run under Linux's SCHED_IDLE policy, so the event loop's thread takes the
CPU back the moment it wakes: a login storm then delays other requests by little. But SCHED_IDLE
threads get only the time the loop leaves idle, and while the loop is busy the logins starve.
A nice value gives them a share instead, yet under EEVDF the woken loop then waits until the
hashes have had their share, several milliseconds at a time (docs/performance.md, "The login
storm"). Linux offers no unprivileged way to give a thread a share in short slices, and no
library does it; hence this module: while such work is in flight and the loop keeps its core
busy, the loop's thread steps aside for `share` of every `period`, in pauses short enough to add
little to any one request. When the loop leaves the core idle that often anyway, it does not pause.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

DEFAULT_SHARE = 0.2
DEFAULT_PERIOD = 0.004


class CpuLending:
    """`lent()` marks work in flight. While any is, the loop's thread pauses (blocks, on purpose)
    for `share * period` after each stretch of `period - share * period` in which it was busy for
    more than `1 - share` of the time; the idle-priority threads get the pause."""

    def __init__(
        self,
        share: float = DEFAULT_SHARE,
        period: float = DEFAULT_PERIOD,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0 <= share < 1 or period <= 0:
            raise ValueError("share must be in [0, 1) and period positive")
        self._pause_seconds = share * period
        self._serve_seconds = period - self._pause_seconds
        self._busy_share = 1 - share
        self._pause = pause
        self._in_flight = 0
        self._lender: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def lent(self) -> AsyncIterator[None]:
        """Lend the loop's time while the body runs (and any other lent body)."""
        self._in_flight += 1
        try:
            if self._pause_seconds and not self._lending_on(asyncio.get_running_loop()):
                self._lender = asyncio.create_task(self._lend())
            yield
        finally:
            self._in_flight -= 1

    def _lending_on(self, loop: asyncio.AbstractEventLoop) -> bool:
        lender = self._lender
        return lender is not None and not lender.done() and lender.get_loop() is loop

    async def _lend(self) -> None:
        # thread_time() is the CPU time of the calling thread: this task runs on the loop's.
        cpu, wall = time.thread_time(), time.perf_counter()
        while self._in_flight:
            await asyncio.sleep(self._serve_seconds)
            busy = time.thread_time() - cpu > (time.perf_counter() - wall) * self._busy_share
            if busy and self._in_flight:
                self._pause(self._pause_seconds)
            cpu, wall = time.thread_time(), time.perf_counter()
