from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher as Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

from adapters.security.cpu_lending import CpuLending
from adapters.security.deadline_pool import DeadlinePool
from application.ports import PasswordHasher

_R = TypeVar("_R")

DEFAULT_QUEUE_TIMEOUT = 3.0
HASHING_POLICY = os.SCHED_IDLE if sys.platform == "linux" else None
"""The scheduling policy of the hashing threads. Under SCHED_IDLE the event loop's thread takes
the CPU from them the moment it wakes, so a login storm delays other requests by little; the
share they get while the loop is busy comes from `CpuLending` (docs/performance.md, "The login
storm")."""


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask), not the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _run_at_idle_priority() -> None:
    # On Linux a policy set with pid 0 belongs to the calling thread, so this leaves the event
    # loop's thread alone; the threads argon2 starts for its lanes inherit it.
    if HASHING_POLICY is not None:
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, HASHING_POLICY, os.sched_param(0))


@dataclass(frozen=True, slots=True)
class Argon2Cost:
    """argon2id parameters (RFC 9106 4): passes, memory in KiB, lanes."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


class Argon2PasswordHasher(PasswordHasher):
    """argon2id through argon2-cffi, run on a bounded pool of idle-priority worker threads.

    argon2-cffi releases the GIL while hashing, so the event loop keeps serving other requests.
    The threads run at idle priority (`HASHING_POLICY`): a burst of logins then cannot take the
    CPU from the event loop, which would stall every other request behind the hashes. While
    hashes are in flight and the loop keeps its core busy, it lends them a share of its time
    (`lending`, by default a fifth), so logins keep completing however busy the loop is. The pool
    holds one thread per usable CPU (by default), which bounds how many hashes, each 64 MiB
    at the default cost, run at once; more would only share the same CPUs more slowly.

    A hash that cannot start within `queue_timeout` seconds raises Overloaded (a 503 with
    Retry-After) instead of waiting on: past capacity, the service says so at once, and no
    hash is spent on a request whose client has long given up.
    """

    def __init__(
        self,
        cost: Argon2Cost,
        max_workers: int | None = None,
        queue_timeout: float = DEFAULT_QUEUE_TIMEOUT,
        lending: CpuLending | None = None,
    ) -> None:
        self._argon2 = Argon2(
            time_cost=cost.time_cost,
            memory_cost=cost.memory_kib,
            parallelism=cost.parallelism,
            type=Type.ID,
        )
        self._lending = lending or CpuLending()
        self._pool = DeadlinePool(
            workers=max_workers or usable_cpus(),
            start_deadline=queue_timeout,
            thread_name_prefix="argon2",
            initializer=_run_at_idle_priority,
        )

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
        self._pool.shutdown()

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
        async with self._lending.lent():
            return await self._pool.run(function, *args)
