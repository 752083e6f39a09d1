from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher as Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

from application.ports import PasswordHasher

_R = TypeVar("_R")


@dataclass(frozen=True, slots=True)
class Argon2Cost:
    """argon2id parameters (RFC 9106 4): passes, memory in KiB, lanes."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


class Argon2PasswordHasher(PasswordHasher):
    """argon2id through argon2-cffi, run on a bounded pool of worker threads.

    argon2-cffi releases the GIL while hashing, so the event loop keeps serving other requests;
    the pool bounds how many hashes compete for the cores at once.
    """

    def __init__(self, cost: Argon2Cost, max_workers: int | None = None) -> None:
        self._argon2 = Argon2(
            time_cost=cost.time_cost,
            memory_cost=cost.memory_kib,
            parallelism=cost.parallelism,
            type=Type.ID,
        )
        self._pool = ThreadPoolExecutor(
            max_workers=max_workers or os.cpu_count() or 1, thread_name_prefix="argon2"
        )

    async def hash(self, password: str) -> str:
        return await self._run(self._argon2.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(self._verify_sync, password_hash, password)

    async def imitate_verify(self, password: str) -> None:
        await self._run(self._verify_sync, self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    @functools.cached_property
    def _dummy_hash(self) -> str:
        # A real hash with the current cost, so verifying against it takes as long as a real
        # login; made on first use to keep start-up fast.
        return self._argon2.hash(os.urandom(16).hex())

    def _verify_sync(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _run(self, function: Callable[..., _R], *args: str) -> _R:
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)
