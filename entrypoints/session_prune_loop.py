"""Dead sessions pruned by a task started and stopped with the app, one per process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from application.ports import StoreUnavailable
from application.prune_sessions import PruneSessions, PruneSessionsCommand

log = logging.getLogger("hexauth.sessions")


def log_pruned(pruned: int) -> None:
    log.info("session pruning: deleted %d dead sessions", pruned)


class SessionPruneLoop:
    """Every `interval` seconds, one PruneSessions pass. Two processes pruning at once delete
    the same rows, which is harmless; an outage or a bug in one pass never stops the loop."""

    def __init__(
        self,
        prune: PruneSessions,
        command: PruneSessionsCommand,
        interval: float,
        observe: Callable[[int], None],
    ) -> None:
        self._prune = prune
        self._command = command
        self._interval = interval
        self._observe = observe
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="prune")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run_once(self) -> None:
        try:
            pruned = await self._prune.execute(self._command)
        except StoreUnavailable:
            log.warning("session pruning: the database does not answer; trying again later")
        except Exception:
            log.exception("session pruning: a pass failed")
        else:
            self._observe(pruned)

    async def _run(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self._interval)
