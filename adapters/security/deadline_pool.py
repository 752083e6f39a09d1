"""A pool of worker threads whose jobs must start within a deadline, or are refused.

concurrent.futures queues without bound and asyncio waits without end; neither refuses work it
cannot start soon, which under a login storm turns into requests hanging until clients give up
(docs/performance.md, "login storm"). Nothing in either library does this, hence this module.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from application.ports import Overloaded

_R = TypeVar("_R")


class DeadlinePool:
    """`workers` threads; a job that cannot start within `start_deadline` seconds raises
    Overloaded and never runs. The waiting jobs form the queue: it is bounded by the deadline
    (no job waits longer), and a job whose caller gave up is taken out of it."""

    def __init__(
        self,
        workers: int,
        start_deadline: float,
        thread_name_prefix: str = "",
        initializer: Callable[[], object] | None = None,
    ) -> None:
        self._deadline = start_deadline
        self._pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=thread_name_prefix, initializer=initializer
        )

    async def run(self, function: Callable[..., _R], *args: object) -> _R:
        """`function(*args)` on a worker thread; raise Overloaded if it did not start in time."""
        loop = asyncio.get_running_loop()
        started = asyncio.Event()

        def job() -> _R:
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
                loop.call_soon_threadsafe(started.set)
            return function(*args)

        future = self._pool.submit(job)
        try:
            await asyncio.wait_for(started.wait(), self._deadline)
        except TimeoutError:
            # cancel() fails only once the job is running: then it started just in time.
            if future.cancel():
                raise Overloaded("no worker was free within the deadline") from None
        except BaseException:
            future.cancel()  # the caller is gone: a job not yet started never runs
            raise
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
