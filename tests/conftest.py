"""Database fixtures shared by the integration and e2e tests.

- `database_url`: a migrated, empty database, parametrized over `sqlite` (a file in tmp_path)
  and `postgres` (marked `postgres`). Each test starts with no rows.
- `engine`: an AsyncEngine on `database_url`, from `adapters.persistence.create_engine`,
  disposed after the test.
- `sqlite_database_url`, `postgres_database_url`: the same for one backend only.
- `empty_postgres_url`: a fresh database with no tables at all, dropped after the test.
- `postgres_server_url`: an admin URL on a PostgreSQL server (session-scoped), found by
  tests/support/postgres.py in this order: env TEST_DATABASE_URL; a testcontainers
  PostgresContainer if a Docker engine answers; a throwaway cluster from the local PostgreSQL
  binaries (initdb, pg_ctl). With none, the Postgres tests are skipped ("POSTGRES UNAVAILABLE:
  ..."), or fail when HEXAUTH_REQUIRE_POSTGRES=1.

Each test session works in its own database, `hexauth_test_<random>`, dropped at the end. Under
pytest-xdist (`make test`) each worker is a session of its own: its own database, and, like every
test, its own Redis namespace, temporary folders and free ports.

- `redis_server_url`, `redis_namespace`: a Redis server (env TEST_REDIS_URL, else a local
  redis-server in a temporary folder; "REDIS UNAVAILABLE: ..." skips, or fails when
  HEXAUTH_REQUIRE_REDIS=1) and a key namespace of the test's own, deleted afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import uuid4

import hypothesis
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence import migrate
from adapters.persistence.database import create_engine
from adapters.persistence.tables import metadata
from tests.support.categories import categorize
from tests.support.postgres import (
    PostgresUnavailableError,
    create_database,
    drop_database,
    execute_on,
    postgres_server,
    run_async,
    skip_or_fail,
)

# A property test fails for a counterexample, never for being slow on a loaded machine (parallel
# workers, other jobs): no per-example deadline and no too-slow health check.
hypothesis.settings.register_profile(
    "hexauth", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("hexauth")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow categories (tests/support/categories.py says which) so `-m` selects them."""
    for item in items:
        categorize(item)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """An asyncpg URL on a running PostgreSQL server, for creating databases."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_server())
        except PostgresUnavailableError as unavailable:
            skip_or_fail(unavailable, "The Postgres tests")
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
