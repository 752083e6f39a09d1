"""An AttemptCounter over any Litestar store, atomic within one process."""

from __future__ import annotations

import math
import time
from datetime import timedelta

import anyio
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

from application.ports import AttemptCounter, Attempts

# MemoryStore forgets an expired key only when it is read again; sweep now and then, so keys
# sprayed once (a new email, a new address) cannot pile up for ever.
SWEEP_EVERY = 1000


class StoreAttemptCounter(AttemptCounter):
    """Counts in `store`, one key per counter, valued `<count> <window end, epoch seconds>`.

    The Store API has no atomic increment, so a read-modify-write runs under a lock: atomic among
    the tasks of this process, which is all a MemoryStore (the default, one per process) is
    shared by. Stores shared between processes need RedisAttemptCounter instead. The window end
    is kept in the value because the store's own `expires_in` is whole seconds, and writing it
    back rounded on every hit would let a window drift.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = anyio.Lock()
        self._hits = 0

    async def hit(self, key: str, window: timedelta) -> Attempts:
        async with self._lock:
            now = time.time()
            count, ends = await self._read(key, now) or (0, now + window.total_seconds())
            count += 1
            await self._store.set(key, f"{count} {ends!r}", expires_in=_until(ends, now))
            self._hits += 1
            if self._hits % SWEEP_EVERY == 0 and isinstance(self._store, MemoryStore):
                await self._store.delete_expired()
        return Attempts(count, _until(ends, now))

    async def release(self, key: str) -> None:
        async with self._lock:
            now = time.time()
            live = await self._read(key, now)
            if live is None:
                return
            count, ends = live
            if count <= 1:
                await self._store.delete(key)
            else:
                await self._store.set(key, f"{count - 1} {ends!r}", expires_in=_until(ends, now))

    async def peek(self, key: str) -> Attempts:
        now = time.time()
        live = await self._read(key, now)
        return Attempts(0, 0) if live is None else Attempts(live[0], _until(live[1], now))

    async def reset(self, key: str) -> None:
        async with self._lock:
            await self._store.delete(key)

    async def _read(self, key: str, now: float) -> tuple[int, float] | None:
        raw = await self._store.get(key)
        if raw is None:
            return None
        try:
            count, ends = raw.decode().split(" ")
            parsed = int(count), float(ends)
        except ValueError:  # not ours: start afresh rather than fail every login for this key
            return None
        return parsed if parsed[1] > now else None


def _until(ends: float, now: float) -> int:
    return max(1, math.ceil(ends - now))
