from __future__ import annotations

import asyncio
import functools
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher as Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

from adapters.security.usable_cpus import usable_cpus
from application.ports import Overloaded, PasswordHasher

_R = TypeVar("_R")

DEFAULT_QUEUE_TIMEOUT = 3.0

HASHING_NICE = 10
"""The nice value of the hashing threads (and the lane threads they start) on Linux. At equal
priority a hash's 4 lanes take four fifths of a core from the event loop, and a login storm
multiplied /users/me's p99 by 13 in `make bench`; at nice 10 the loop keeps its requests moving
while logins still complete at well over a quarter of the hash-bound rate (docs/performance.md,
"Hashing and the login storm")."""


@dataclass(frozen=True, slots=True)
class Argon2Cost:
    """argon2id parameters (RFC 9106 4): passes, memory in KiB, lanes."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


def default_threads(parallelism: int, cpus: int) -> int:
    """How many hashes may run at once so that their threads fit on `cpus` CPUs.

    argon2-cffi runs each of a hash's `parallelism` lanes on a thread of its own (measured: a
    hash at parallelism 4 has 4 threads running besides the caller's, which waits), so each
    hashing thread stands for `parallelism` threads. At least one: when one hash's lanes alone
    outnumber the CPUs, they share them and each hash takes longer, but hashing still works.
    Per process: each of `hexauth serve --workers N` counts the same CPUs (ARGON2_THREADS then
    sets how many each may run).
    """
    return max(1, cpus // parallelism)


def lower_priority() -> None:
    """Run the calling thread at HASHING_NICE or nicer. Linux only: there a nice value belongs to
    one thread (setpriority(2), NOTES) and threads it starts inherit it; elsewhere the same call
    would renice the whole process."""
    if sys.platform == "linux" and os.getpriority(os.PRIO_PROCESS, 0) < HASHING_NICE:
        os.setpriority(os.PRIO_PROCESS, 0, HASHING_NICE)


class Argon2PasswordHasher(PasswordHasher):
    """argon2id through argon2-cffi, on a bounded pool of threads, with a deadline to start.

    argon2-cffi releases the GIL while hashing, so the event loop keeps serving other requests
    while the pool's threads hash, at nice HASHING_NICE on Linux. The pool has `threads` threads
    (by default as many as fit the CPUs the process may use, `default_threads`): that bounds the
    CPUs hashing takes and the memory, `threads` x `memory_kib` per process.

    A hash that cannot start within `queue_timeout` seconds raises Overloaded (a 503 with
    Retry-After) instead of waiting on: past capacity, the service says so at once. A request
    cancelled while it waits (its client went away) never starts its hash.
    """

    def __init__(
        self,
        cost: Argon2Cost,
        threads: int = 0,
        queue_timeout: float = DEFAULT_QUEUE_TIMEOUT,
    ) -> None:
        self._argon2 = Argon2(
            time_cost=cost.time_cost,
            memory_cost=cost.memory_kib,
            parallelism=cost.parallelism,
            type=Type.ID,
        )
        self.threads = threads or default_threads(cost.parallelism, usable_cpus())
        self._queue_timeout = queue_timeout
        self._executor = ThreadPoolExecutor(
            self.threads, thread_name_prefix="argon2", initializer=lower_priority
        )
        # One permit per thread: a hash that holds one finds a thread free, so the executor's
        # own queue (unbounded, without deadline) stays empty and the wait happens here instead.
        self._free_threads = asyncio.Semaphore(self.threads)

    async def hash(self, password: str) -> str:
        return await self._run(self._argon2.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(self._verify_sync, password_hash, password)

    async def imitate_verify(self, password: str) -> None:
        await self._run(self._imitate_verify_sync, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    @functools.cached_property
    def _dummy_hash(self) -> str:
        # A real hash with the current cost, so verifying against it takes as long as a real
        # login; made on first use to keep start-up fast.
        return self._argon2.hash(os.urandom(16).hex())

    def _imitate_verify_sync(self, password: str) -> None:
        # On a pool thread, so the first call's hash of the dummy is not made on the event loop.
        self._verify_sync(self._dummy_hash, password)

    def _verify_sync(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _run(self, function: Callable[..., _R], *args: str) -> _R:
        try:
            async with asyncio.timeout(self._queue_timeout):
                await self._free_threads.acquire()
        except TimeoutError:
            raise Overloaded("no hashing thread was free within the deadline") from None
        hashing = asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
        # A running hash cannot be stopped: its thread is free again when the hash ends, even
        # if its caller was cancelled first, so the permit goes back then and not before.
        hashing.add_done_callback(lambda _: self._free_threads.release())
        return await asyncio.shield(hashing)
