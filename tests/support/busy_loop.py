"""CPU work on the event loop's own thread, for tests of what a busy loop does (CpuLending)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def keep_the_loop_busy_until(done: Callable[[], bool]) -> None:
    """Compute on the loop's thread until `done()`, handing back to the loop between pieces."""
    while not done():
        sum(range(1_000))
        await asyncio.sleep(0)


async def keep_the_loop_busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    await keep_the_loop_busy_until(lambda: time.perf_counter() >= end)
