"""Meters for the capacity benchmark: the CPU time of a process and its children (/proc), the
transactions PostgreSQL counted for one database (pg_stat_database) and the commands a Redis
server ran (INFO commandstats); and `measure`, which turns them into figures per request."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import redis

from tests.support.postgres import asyncpg_dsn

FLUSH_WAIT = 11.0
"""Seconds for every backend's transaction counts to reach pg_stat_database: an idle backend
flushes its statistics within 10 s (PostgreSQL 15+, PGSTAT_IDLE_INTERVAL)."""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
NOT_PER_REQUEST = ("cmdstat_info", "cmdstat_ping", "cmdstat_hello", "cmdstat_client")
"""The benchmark's own commands, and a client's handshake when it opens a connection."""


@dataclass(frozen=True)
class Reading:
    at: float
    cpu: float
    transactions: int
    redis: dict[str, int]


@dataclass(frozen=True)
class PerRequest:
    cpu_ms: float
    transactions: float
    redis: dict[str, float]


class Meters:
    """The server process's CPU, the database's transactions, the Redis server's commands."""

    def __init__(self, pid: int, admin_url: str, database: str, redis_url: str) -> None:
        self.pid, self.admin_url, self.database, self.redis_url = (
            pid,
            admin_url,
            database,
            redis_url,
        )

    def read(self) -> Reading:
        return Reading(time.monotonic(), self.cpu(), self.transactions(), self.commands())

    def cpu(self) -> float:
        """Seconds of CPU (user + system, all threads) of the process and its children."""
        total = 0
        for pid in _tree(self.pid):
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLOCK_TICKS

    def transactions(self) -> int:
        async def fetch() -> int:
            connection = await asyncpg.connect(asyncpg_dsn(self.admin_url))
            try:
                query = (
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1"
                )
                return int(await connection.fetchval(query, self.database))
            finally:
                await connection.close()

        return asyncio.run(fetch())

    def commands(self) -> dict[str, int]:
        with redis.Redis.from_url(self.redis_url) as client:
            stats = client.info("commandstats")
        return {
            name.removeprefix("cmdstat_"): int(value["calls"])
            for name, value in stats.items()
            if name not in NOT_PER_REQUEST
        }


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def measure(
    meters: Meters, idle: PerSecond, count: int, threads: int, one: Callable[[int], None]
) -> PerRequest:
    """`count` calls of `one` on `threads` threads, less what the process does when idle."""
    before = meters.read()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(count)))
    cpu_end, commands_end, ran = meters.cpu(), meters.commands(), time.monotonic() - before.at
    time.sleep(FLUSH_WAIT)
    counted = time.monotonic() - before.at
    transactions = meters.transactions() - before.transactions - idle.transactions * counted
    redis_calls = {
        name: (calls - before.redis.get(name, 0)) / count
        for name, calls in commands_end.items()
        if calls > before.redis.get(name, 0)
    }
    cpu = cpu_end - before.cpu - idle.cpu * ran
    return PerRequest(1000 * cpu / count, transactions / count, redis_calls)


@dataclass(frozen=True)
class PerSecond:
    cpu: float
    transactions: float


def idle_rates(meters: Meters, seconds: float) -> PerSecond:
    time.sleep(FLUSH_WAIT)  # start-up's own transactions counted before the idle period
    start = meters.read()
    time.sleep(seconds)
    end = meters.read()
    span = end.at - start.at
    return PerSecond((end.cpu - start.cpu) / span, (end.transactions - start.transactions) / span)
