"""PostgreSQL for the benchmark, found the way the tests find it.

Order: `BENCH_DATABASE_URL`; then what the tests do (`tests/support/postgres.py`:
`TEST_DATABASE_URL`, a testcontainers container when Docker answers, a throwaway cluster from
the local `initdb` and `pg_ctl` run as the `postgres` user, with fsync, synchronous_commit and
full_page_writes off).
A throwaway cluster is pinned to the CPUs asked for; a server given by URL is left alone.
Each run works in its own database, `hexauth_bench_<random>`, dropped at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from adapters.persistence.database import async_url
from bench.processes import CLUSTER_PREFIX, Registry
from tests.support import postgres as support

_T = TypeVar("_T")


@dataclass(frozen=True)
class Server:
    admin_url: str  # SQLAlchemy asyncpg URL on the `postgres` database
    source: str
    version: str
    pinned_to: str


def libpq_dsn(url: str) -> str:
    return async_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    return asyncio.run(coroutine)


async def _execute(url: str, *statements: str) -> list[list[asyncpg.Record]]:
    connection = await asyncpg.connect(libpq_dsn(url))
    try:
        return [await connection.fetch(statement) for statement in statements]
    finally:
        await connection.close()


def create_database(admin_url: str) -> str:
    return support.create_database(admin_url, prefix="hexauth_bench")


def fresh_database(
    stack: contextlib.ExitStack, registry: Registry, cpus: set[int] | None
) -> tuple[Server, str]:
    """A server (see `postgres`) and a new database on it, both undone when `stack` closes."""
    server = stack.enter_context(postgres(registry, cpus))
    database_url = create_database(server.admin_url)
    name = database_url.rsplit("/", 1)[1]
    registry.note("database", server.admin_url, name)
    stack.callback(drop_database, server.admin_url, name)
    return server, database_url


def drop_database(admin_url: str, name: str) -> None:
    support.drop_database(admin_url, async_url(admin_url).set(database=name).render_as_string())


@contextlib.contextmanager
def postgres(registry: Registry, cpus: set[int] | None) -> Iterator[Server]:
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        url = async_url(explicit).render_as_string(hide_password=False)
        yield _describe(url, "BENCH_DATABASE_URL", None, None, "not pinned: not started here")
        return
    # The tests' own discovery, shared rather than copied, so both find the same server.
    source = "TEST_DATABASE_URL" if os.environ.get("TEST_DATABASE_URL") else "throwaway cluster"
    with support.postgres_server() as url:
        data_dir = _data_directory(url)
        owned = data_dir is not None and data_dir.startswith(CLUSTER_PREFIX)
        if owned:
            registry.note("cluster", str(Path(data_dir).parent))
        postmaster = _postmaster(data_dir) if owned and data_dir else None
        yield _describe(url, source, postmaster, cpus, f"not pinned: data in {data_dir}")


def _data_directory(url: str) -> str | None:
    with contextlib.suppress(Exception):
        [[row]] = _run(_execute(url, "SHOW data_directory"))
        return str(row[0])
    return None


def _postmaster(data_dir: str) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((Path(data_dir) / "postmaster.pid").read_text().split()[0])
    return None


def _describe(
    url: str, source: str, postmaster: int | None, cpus: set[int] | None, unpinned: str
) -> Server:
    [[version_row]] = _run(_execute(url, "SHOW server_version"))
    pinned = unpinned
    if postmaster is not None and cpus:
        if _pin_tree(postmaster, cpus):
            pinned = "pinned to CPU " + ",".join(map(str, sorted(cpus)))
        else:
            pinned = f"not pinned: the postmaster ({postmaster}) refused"
    return Server(admin_url=url, source=source, version=str(version_row[0]), pinned_to=pinned)


def _parent_pid(pid: int) -> int | None:
    with contextlib.suppress(OSError, IndexError, ValueError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[1])
    return None


def _pin_tree(postmaster: int, cpus: set[int]) -> bool:
    """Pin the postmaster and its current children; backends forked later inherit it."""
    try:
        os.sched_setaffinity(postmaster, cpus)
    except OSError:
        return False
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent_pid(int(entry.name)) == postmaster:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(entry.name), cpus)
    return True
