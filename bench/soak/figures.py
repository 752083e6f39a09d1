"""Per-request figures a capacity model can be checked against: the instances' CPU seconds (from
/proc), PostgreSQL transactions (pg_stat_database) and statements (pg_stat_statements), and
Redis commands (INFO stats), over the load, divided by the requests answered."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import asyncpg
import redis

from bench.soak.events import Exchange
from bench.soak.stack import Stack
from tests.support.postgres import asyncpg_dsn, run_async

TICKS = os.sysconf("SC_CLK_TCK")
PG_COUNTERS = """
SELECT (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'hexauth'),
       (SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'hexauth'))
"""


class Counters:
    """Sampled often enough that a killed instance or Redis loses at most a sample's worth: the
    fault schedule samples right before each kill, too."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._cpu_first: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._redis_last = 0
        self._redis_total = 0
        self._own_redis_calls = 0
        self._pg_first: tuple[int, int] = (0, 0)
        self._pg_last: tuple[int, int] = (0, 0)

    def sample(self) -> None:
        for pid in self._stack.instance_pids():
            cpu = _cpu_seconds(pid)
            if cpu is not None:
                self._cpu_first.setdefault(pid, cpu)
                self._cpu_last[pid] = cpu
        with (
            contextlib.suppress(redis.RedisError),
            redis.Redis.from_url(self._stack.redis_url, socket_timeout=1) as client,
        ):
            total = int(client.info("stats")["total_commands_processed"])
            self._own_redis_calls += 1
            # A restarted Redis counts from zero again.
            self._redis_total += total if total < self._redis_last else total - self._redis_last
            self._redis_last = total

    def begin(self) -> None:
        self.sample()
        self._redis_total = self._own_redis_calls = 0
        self._pg_first = run_async(_pg_counters(self._stack))

    def end(self) -> None:
        self.sample()
        self._pg_last = run_async(_pg_counters(self._stack))

    def report(self, exchanges: Iterable[Exchange]) -> str:
        answered = [exchange for exchange in exchanges if exchange.status is not None]
        count = max(1, len(answered))
        mix = Counter(exchange.kind for exchange in answered)
        cpu = sum(self._cpu_last[pid] - self._cpu_first[pid] for pid in self._cpu_last)
        transactions = self._pg_last[0] - self._pg_first[0]
        statements = self._pg_last[1] - self._pg_first[1]
        commands = self._redis_total - self._own_redis_calls
        shares = ", ".join(f"{kind} {n / count:.0%}" for kind, n in mix.most_common())
        return "\n".join(
            (
                f"per request, over {len(answered)} answered ({shares}):",
                f"  hexauth CPU        {1000 * cpu / count:7.2f} ms  ({cpu:.1f} s in all)",
                f"  PostgreSQL         {transactions / count:7.2f} transactions, "
                f"{statements / count:.2f} statements",
                f"  Redis              {commands / count:7.2f} commands",
            )
        )


def _cpu_seconds(pid: int) -> float | None:
    """User plus system time of the process, from /proc/PID/stat (fields 14 and 15)."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    return None


async def _pg_counters(stack: Stack) -> tuple[int, int]:
    for _ in range(20):  # PostgreSQL may be restarting
        with contextlib.suppress(OSError, asyncpg.PostgresError):
            connection = await asyncpg.connect(asyncpg_dsn(stack.cluster.url), timeout=5)
            try:
                transactions, statements = await connection.fetchrow(PG_COUNTERS) or (0, 0)
                return int(transactions), int(statements)
            finally:
                await connection.close()
        await asyncio.sleep(0.5)
    raise RuntimeError("the soak's PostgreSQL did not answer for its statistics")
