"""PostgreSQL for the tests and the benchmark: where to find a server, databases on it, and
throwaway clusters a test may stop or freeze.

`postgres_server()` finds one in this order: env TEST_DATABASE_URL (it must answer); a
testcontainers PostgresContainer if a Docker engine answers; a throwaway cluster from the local
binaries (initdb, pg_ctl), run as the `postgres` OS user when we are root, since initdb refuses
root. With none it raises PostgresUnavailableError; `tests/conftest.py` turns that into the
loud skip "POSTGRES UNAVAILABLE: ..." (or a failure under HEXAUTH_REQUIRE_POSTGRES=1).

Kept by hand, and small: pytest-postgresql's process fixture runs initdb as the current user
(root here) and needs psycopg; testcontainers needs a Docker engine, which is used when present.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from uuid import uuid4

import asyncpg
from sqlalchemy import URL, make_url

from adapters.persistence.database import async_url
from tests.support.ports import free_port

POSTGRES_IMAGE = "postgres:16-alpine"
INITDB_LOCALE = ("--encoding=UTF8", "--locale=C")
CLUSTER_PREFIX = "hexauth-pg-"
"""Throwaway clusters live in `<tmp>/hexauth-pg-*` (the benchmark cleans up stale ones)."""

T = TypeVar("T")


class PostgresUnavailableError(Exception):
    """No PostgreSQL server could be found or started; the message says what was tried."""


def skip_or_fail(unavailable: PostgresUnavailableError, what: str) -> NoReturn:
    """Skip the tests loudly ("POSTGRES UNAVAILABLE: ..."), or fail them when
    HEXAUTH_REQUIRE_POSTGRES=1 (CI), naming `what` did not run."""
    import pytest  # here, not at the top: the benchmark imports this module without pytest

    message = f"POSTGRES UNAVAILABLE: {unavailable}. {what} did not run."
    if os.environ.get("HEXAUTH_REQUIRE_POSTGRES") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, on a thread with its own event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def asyncpg_dsn(url: str | URL) -> str:
    """A libpq-style DSN that asyncpg accepts, from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def execute_on(url: str | URL, *statements: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url), timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def until_a_backend(url: str | URL, where: str, within: float = 30.0) -> None:
    """Until a backend on the database of `url` matches `where` (a condition on the columns of
    pg_stat_activity, such as `wait_event_type = 'Lock'`): what the server itself says it is
    doing, for a test that must act while a statement runs or waits. TimeoutError after
    `within` seconds."""
    query = f"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND {where}"
    connection = await asyncpg.connect(asyncpg_dsn(url), timeout=10)
    try:
        async with asyncio.timeout(within):
            # Polled: PostgreSQL has no notification for another backend starting to wait.
            while not await connection.fetchval(query):  # noqa: ASYNC110
                await asyncio.sleep(0.02)
    finally:
        await connection.close()


def create_database(server_url: str, prefix: str = "hexauth_test") -> str:
    """Create an empty uniquely named database on the server; return its asyncpg URL."""
    name = f"{prefix}_{uuid4().hex[:12]}"
    run_async(execute_on(server_url, f'CREATE DATABASE "{name}"'))
    return async_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, database_url: str) -> None:
    name = make_url(database_url).database
    run_async(execute_on(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield an asyncpg URL on a PostgreSQL server, stopping it afterwards if we started it."""
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        url = async_url(explicit).render_as_string(hide_password=False)
        try:
            run_async(execute_on(url, "SELECT 1"))
        except Exception as error:
            # Asked for by name: a mistake to report, not a reason to quietly use another.
            raise RuntimeError(
                f"TEST_DATABASE_URL is set but does not answer: {error!r}"
            ) from error
        yield url
        return
    if _docker_answers():
        with _postgres_container() as url:
            yield url
        return
    with throwaway_cluster() as cluster:
        yield cluster.url


def _docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@contextlib.contextmanager
def _postgres_container() -> Iterator[str]:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers before the `community` package
        from testcontainers.postgres import PostgresContainer

    with PostgresContainer(POSTGRES_IMAGE, driver="asyncpg") as container:
        yield container.get_connection_url()


def _local_postgres_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: PATH first, then the newest Debian install."""
    found = shutil.which("initdb")
    folders = [Path(found).resolve().parent] if found else []
    folders += sorted(
        (Path(folder) for folder in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in folders:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


class Cluster:
    """A running throwaway cluster: its URL, and the operator's controls a test may use."""

    def __init__(self, folder: Path, binaries: Path, port: int, as_owner: list[str]) -> None:
        self.folder, self.binaries, self.port = folder, binaries, port
        self._as_owner = as_owner
        self.data = folder / "data"
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"

    def start(self) -> None:
        # Durability is not needed for a throwaway cluster; speed is.
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = self.folder / "postgres.log"
        self._pg_ctl("-D", self.data, "-l", log, "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Shut down, dropping every connection at once. "fast" keeps what was committed;
        "immediate" is a crash, and loses recent commits here (synchronous_commit is off)."""
        self._pg_ctl("-D", self.data, "-m", mode, "-w", "stop")

    def processes(self) -> list[int]:
        """The postmaster and every process it started (backends, background workers)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = [pid for pid in _all_pids() if _parent_pid(pid) == postmaster]
        return [postmaster, *children]

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Every process of the cluster stopped with SIGSTOP (a hung host), SIGCONT after."""
        stopped: list[int] = []
        try:
            for pid in self.processes():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
                    stopped.append(pid)
            yield
        finally:
            for pid in stopped:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def initdb(self) -> None:
        self._run(
            self.binaries / "initdb",
            *("-D", self.data, "-U", "postgres", "--auth=trust", "--no-sync", *INITDB_LOCALE),
        )

    def _pg_ctl(self, *arguments: str | Path) -> None:
        self._run(self.binaries / "pg_ctl", *arguments)

    def _run(self, *command: str | Path) -> None:
        done = subprocess.run(
            [*self._as_owner, *map(str, command)],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            name = Path(str(command[0])).name
            raise PostgresUnavailableError(
                f"{name} failed in {self.folder}: {done.stderr.strip()[-500:]}"
            )


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A cluster from the local binaries in a temporary folder, on a free port and a unix socket
    in that folder; stopped and deleted afterwards."""
    binaries = _local_postgres_binaries()
    if binaries is None:
        raise PostgresUnavailableError(
            "TEST_DATABASE_URL is not set, no Docker engine answered, and no initdb/pg_ctl "
            "was found on PATH or under /usr/lib/postgresql/*/bin"
        )
    folder = Path(tempfile.mkdtemp(prefix=CLUSTER_PREFIX))
    try:
        as_owner: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailableError(
                    "running as root, and no `postgres` OS user for initdb"
                ) from None
            os.chown(folder, owner.pw_uid, owner.pw_gid)
            as_owner = ["runuser", "-u", "postgres", "--"]
        cluster = Cluster(folder, binaries, free_port(), as_owner)
        cluster.initdb()
        cluster.start()
        try:
            yield cluster
        finally:
            with contextlib.suppress(PostgresUnavailableError):  # already stopped
                cluster.stop("immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _parent_pid(pid: int) -> int | None:
    with contextlib.suppress(OSError, IndexError, ValueError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[1])
    return None
