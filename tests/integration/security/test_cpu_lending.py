"""On Linux's real scheduler: an idle-priority thread that shares a core with a busy event loop
gets that core only through the time the loop lends it."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from argon2.low_level import Type, hash_secret_raw

from adapters.security.cpu_lending import CpuLending
from tests.support.busy_loop import keep_the_loop_busy

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SCHED_IDLE is Linux's")

BUSY_SECONDS = 0.6


@pytest.fixture
def one_core() -> Iterator[int]:
    """Pins the test's (the event loop's) thread to one CPU, and gives the others back after."""
    before = os.sched_getaffinity(0)
    core = min(before)
    os.sched_setaffinity(0, {core})  # pid 0: the calling thread
    yield core
    os.sched_setaffinity(0, before)


def _idle_priority_hashing(core: int, stop: threading.Event, cpu_seconds: list[float]) -> None:
    """Hashes until stopped, at idle priority on `core`; reports its own CPU time."""
    os.sched_setaffinity(0, {core})
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    start = time.thread_time()
    while not stop.is_set():
        # One lane in this thread; argon2-cffi releases the GIL while it hashes.
        hash_secret_raw(b"password", b"salt-salt", 1, 512, 1, 16, Type.ID)
    cpu_seconds.append(time.thread_time() - start)


async def _share_of_a_busy_loop_core(core: int, lending: CpuLending) -> float:
    """The CPU the hashing thread got while the loop kept busy, as a share of the wall time."""
    stop = threading.Event()
    cpu_seconds: list[float] = []
    thread = threading.Thread(target=_idle_priority_hashing, args=(core, stop, cpu_seconds))
    thread.start()
    started = time.perf_counter()
    async with lending.lent():
        await keep_the_loop_busy(BUSY_SECONDS)
    stop.set()
    thread.join()
    return cpu_seconds[0] / (time.perf_counter() - started)


async def test_an_idle_priority_thread_gets_the_share_the_busy_loop_lends(one_core: int) -> None:
    without = await _share_of_a_busy_loop_core(one_core, CpuLending(share=0))
    lent = await _share_of_a_busy_loop_core(one_core, CpuLending(share=0.4, period=0.005))

    print(f"idle thread share: {without:.3f} without lending, {lent:.3f} lent")
    assert lent >= 0.15, (without, lent)
    assert lent >= 3 * without, (without, lent)
