"""Database fixtures shared by the integration and e2e tests.

- `database_url`: a migrated, empty database, parametrized over `sqlite` (a file in tmp_path)
  and `postgres` (marked `postgres`). Each test starts with no rows.
- `engine`: an AsyncEngine on `database_url`, from `adapters.persistence.create_engine`,
  disposed after the test.
- `sqlite_database_url`, `postgres_database_url`: the same for one backend only.
- `empty_postgres_url`: a fresh database with no tables at all, dropped after the test.
- `postgres_server_url`: an admin URL on a PostgreSQL server (session-scoped), found in this
  order: env TEST_DATABASE_URL; a testcontainers PostgresContainer if a Docker engine answers;
  a throwaway cluster from the local PostgreSQL binaries (initdb, pg_ctl). With none, the
  Postgres tests are skipped ("POSTGRES UNAVAILABLE: ..."), or fail when
  HEXAUTH_REQUIRE_POSTGRES=1.

Each test session works in its own database, `hexauth_test_<random>`, dropped at the end.

- `redis_server_url`, `redis_namespace`: a Redis server (env TEST_REDIS_URL, else a local
  redis-server in a temporary folder; "REDIS UNAVAILABLE: ..." skips, or fails when
  HEXAUTH_REQUIRE_REDIS=1) and a key namespace of the test's own, deleted afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence import migrate
from adapters.persistence.database import async_url, create_engine
from adapters.persistence.tables import metadata

POSTGRES_IMAGE = "postgres:16-alpine"

INITDB_LOCALE = ("--encoding=UTF8", "--locale=C")

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, on a thread with its own event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def asyncpg_dsn(url: str | URL) -> str:
    """A libpq-style DSN that asyncpg accepts, from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def execute_on(url: str | URL, *statements: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
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


class PostgresUnavailableError(Exception):
    """No PostgreSQL server could be found or started; the message says what was tried."""


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
    binaries = _local_postgres_binaries()
    if binaries is None:
        raise PostgresUnavailableError(
            "TEST_DATABASE_URL is not set, no Docker engine answered, and no initdb/pg_ctl "
            "was found on PATH or under /usr/lib/postgresql/*/bin"
        )
    with _throwaway_cluster(*binaries) as url:
        yield url


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


def _local_postgres_binaries() -> tuple[Path, Path] | None:
    found = shutil.which("initdb")
    folders = [Path(found).resolve().parent] if found else []
    folders += sorted(
        (Path(folder) for folder in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in folders:
        initdb, pg_ctl = folder / "initdb", folder / "pg_ctl"
        if initdb.is_file() and pg_ctl.is_file():
            return initdb, pg_ctl
    return None


@contextlib.contextmanager
def _throwaway_cluster(initdb: Path, pg_ctl: Path) -> Iterator[str]:
    """A cluster in a temporary folder, on a free port and a unix socket in that folder."""
    folder = Path(tempfile.mkdtemp(prefix="hexauth-pg-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            raise PostgresUnavailableError(
                "running as root, and no `postgres` OS user for initdb"
            ) from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()

    def run(*command: str | Path) -> None:
        done = subprocess.run(
            [*as_owner, *map(str, command)],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise PostgresUnavailableError(
                f"{Path(str(command[0])).name} failed in {folder}: {done.stderr.strip()[-500:]}"
            )

    try:
        run(initdb, "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", *INITDB_LOCALE)
        # Durability is not needed for a throwaway cluster; speed is.
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = folder / "postgres.log"
        run(pg_ctl, "-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start")
        try:
            yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(pg_ctl, "-D", data, "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """An asyncpg URL on a running PostgreSQL server, for creating databases."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_server())
        except PostgresUnavailableError as unavailable:
            message = f"POSTGRES UNAVAILABLE: {unavailable}. The Postgres tests did not run."
            if os.environ.get("HEXAUTH_REQUIRE_POSTGRES") == "1":
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        yield url


@pytest.fixture(scope="session")
def _migrated_postgres_url(postgres_server_url: str) -> Iterator[str]:
    url = create_database(postgres_server_url)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        drop_database(postgres_server_url, url)


@pytest.fixture
def postgres_database_url(_migrated_postgres_url: str) -> str:
    """The session's migrated Postgres database, emptied before the test."""
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    run_async(
        execute_on(
            _migrated_postgres_url,
            "SET lock_timeout = '10s'",
            f"TRUNCATE {tables} RESTART IDENTITY CASCADE",
        )
    )
    return _migrated_postgres_url


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "hexauth.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_database_url(_migrated_sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite file of the test's own, copied from one migrated per session."""
    path = tmp_path / "hexauth.db"
    for suffix in ("", "-wal"):  # the WAL is normally folded in and gone once the engine closed
        template = _migrated_sqlite_template.with_name(_migrated_sqlite_template.name + suffix)
        if template.exists():
            shutil.copyfile(template, path.with_name(path.name + suffix))
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def empty_postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A new database with no tables (not even Alembic's), dropped after the test."""
    url = create_database(postgres_server_url)
    try:
        yield url
    finally:
        drop_database(postgres_server_url, url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database with no rows, on SQLite and on PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_database_url")
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The service's AsyncEngine on `database_url`, disposed after the test."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """A redis:// URL (tests/redis_server.py says where from); skipped loudly without one
    ("REDIS UNAVAILABLE: ..."), or failed when HEXAUTH_REQUIRE_REDIS=1."""
    from tests.redis_server import RedisUnavailableError, redis_server

    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(redis_server())
        except RedisUnavailableError as unavailable:
            message = f"REDIS UNAVAILABLE: {unavailable}. The Redis tests did not run."
            if os.environ.get("HEXAUTH_REQUIRE_REDIS") == "1":
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        yield url


@pytest.fixture
def redis_namespace(redis_server_url: str) -> Iterator[str]:
    """A key namespace of this test's own on that server, whose keys are deleted afterwards."""
    from tests.redis_server import delete_namespace

    namespace = f"hexauth_test_{uuid4().hex}"
    try:
        yield namespace
    finally:
        delete_namespace(redis_server_url, namespace)
