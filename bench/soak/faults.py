"""The faults, on a schedule spread over the run (fractions of its length):

- 15%: an instance is killed with SIGKILL (a crash), and started again 2 s later;
- 35%: another instance is stopped with SIGTERM (a deploy: taken out of nginx's rotation first,
  put back once it answers again);
- 55%: PostgreSQL is stopped for STORE_DOWN seconds (fast shutdown: every connection dropped);
- 75%: Redis is killed with SIGKILL for STORE_DOWN seconds, and comes back empty.

A fault starts when its moment comes or the previous one is over, whichever is later.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable

from bench.soak.events import Fault
from bench.soak.stack import Stack
from bench.soak.users import Load

STORE_DOWN = 6.0
RESTART_AFTER = 2.0


async def inject_faults(
    stack: Stack, load: Load, record: Callable[[object], None], sample: Callable[[], None]
) -> None:
    """The schedule; the load goes on until the last fault is over (and RECOVERY after)."""
    start, seconds = time.monotonic(), load.left()
    load.hold()
    try:
        await _schedule(stack, start, seconds, record, sample)
    finally:
        load.release(start + seconds)


async def _schedule(
    stack: Stack,
    start: float,
    seconds: float,
    record: Callable[[object], None],
    sample: Callable[[], None],
) -> None:
    killed, stopped = 0, 1 % len(stack.ports)

    async def at(fraction: float) -> None:
        await asyncio.sleep(max(0.0, start + fraction * seconds - time.monotonic()))

    await at(0.15)
    sample()  # the CPU the instance used so far, read before its /proc entry goes
    began = time.monotonic()
    await asyncio.to_thread(stack.signal_instance, killed, signal.SIGKILL)
    await asyncio.sleep(RESTART_AFTER)
    await asyncio.to_thread(stack.start_instance, killed)
    record(Fault("sigkill", began, time.monotonic(), stack.address(killed)))

    await at(0.35)
    began = time.monotonic()
    await _reload(stack, stopped, record)
    await asyncio.to_thread(_stop_sampled, stack, stopped, sample)
    await asyncio.to_thread(stack.start_instance, stopped)
    await _reload(stack, None, record)
    record(Fault("sigterm", began, time.monotonic(), stack.address(stopped)))

    await at(0.55)
    began = time.monotonic()
    await asyncio.to_thread(stack.cluster.stop, "fast")
    await asyncio.sleep(STORE_DOWN)
    await asyncio.to_thread(stack.cluster.start)
    record(Fault("postgres", began, time.monotonic()))

    await at(0.75)
    sample()  # Redis counts its commands from zero again once restarted
    began = time.monotonic()
    await asyncio.to_thread(stack.kill_redis)
    await asyncio.sleep(STORE_DOWN)
    await asyncio.to_thread(stack.start_redis)
    record(Fault("redis", began, time.monotonic()))


async def _reload(stack: Stack, drained: int | None, record: Callable[[object], None]) -> None:
    began = time.monotonic()
    await asyncio.to_thread(stack.drain, drained)
    record(Fault("reload", began, time.monotonic()))


def _stop_sampled(stack: Stack, index: int, sample: Callable[[], None]) -> None:
    """SIGTERM, sampling the instance's CPU while it finishes its requests."""
    process = stack.instances[index]
    if process is None:
        return
    process.send_signal(signal.SIGTERM)
    while process.poll() is None:
        sample()
        time.sleep(0.05)
    stack.signal_instance(index, signal.SIGTERM)  # already gone: only the bookkeeping
