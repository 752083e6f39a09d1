"""The database path of the hot endpoints, in-process, one connection, no HTTP: the unit of
work as served (SQLAlchemy's transaction, Core statements) against raw asyncpg, with and
without a transaction around its one SELECT.

Each round runs `BATCH` operations on one event loop; pytest-benchmark's figures are per round,
so divide by `BATCH`. Needs PostgreSQL (found as the tests find it; skipped without one).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence import create_engine, migrate
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.builders import a_session, a_user
from tests.support.postgres import (
    PostgresUnavailableError,
    asyncpg_dsn,
    create_database,
    drop_database,
    postgres_server,
)

BATCH = 200


@dataclass
class Database:
    loop: asyncio.AbstractEventLoop
    engine: AsyncEngine
    raw: asyncpg.Connection
    user_id: UUID
    session_id: UUID

    def rounds(self, operation: Callable[[], Awaitable[object]]) -> Callable[[], None]:
        async def batch() -> None:
            for _ in range(BATCH):
                await operation()

        return lambda: self.loop.run_until_complete(batch())


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(postgres_server())
        except PostgresUnavailableError as unavailable:
            pytest.skip(f"POSTGRES UNAVAILABLE: {unavailable}")
        url = create_database(server, prefix="hexauth_micro")
        stack.callback(drop_database, server, url)
        migrate.upgrade(url)
        loop = asyncio.new_event_loop()
        stack.callback(loop.close)
        engine = create_engine(url, pool_size=1, max_overflow=0)
        stack.callback(lambda: loop.run_until_complete(engine.dispose()))
        user = a_user()
        session = a_session(user_id=user.id)

        async def given() -> None:
            async with SqlAlchemyUnitOfWork.open(engine) as uow:
                await uow.users.add(user)
                await uow.sessions.add(session)
                await uow.commit()

        loop.run_until_complete(given())
        raw = loop.run_until_complete(asyncpg.connect(asyncpg_dsn(url)))
        stack.callback(lambda: loop.run_until_complete(raw.close()))
        yield Database(loop, engine, raw, user.id, session.id)


def test_user_by_id_raw_asyncpg(benchmark, database):
    """The floor: one prepared SELECT on a held connection, no pool, no unit of work."""

    async def read() -> object:
        return await database.raw.fetchrow(
            "SELECT id, email, password_hash, created_at, is_active FROM users WHERE id = $1",
            database.user_id,
        )

    benchmark(database.rounds(read))


def test_user_by_id_raw_asyncpg_in_a_transaction(benchmark, database):
    """The floor of what the unit of work does: BEGIN, the SELECT, ROLLBACK on raw asyncpg."""

    async def read() -> object:
        async with database.raw.transaction():
            return await database.raw.fetchrow(
                "SELECT id, email, password_hash, created_at, is_active FROM users WHERE id = $1",
                database.user_id,
            )

    benchmark(database.rounds(read))


def test_user_by_id_unit_of_work(benchmark, database):
    """GET /users/me's read as served: a read-only unit of work (BEGIN, SELECT, ROLLBACK)."""

    async def read() -> object:
        async with SqlAlchemyUnitOfWork.open(database.engine, read_only=True) as uow:
            return await uow.users.get(database.user_id)

    benchmark(database.rounds(read))


def test_session_with_owner_unit_of_work(benchmark, database):
    """Refresh's read as served, in a writing unit of work left without commit."""

    async def read() -> object:
        async with SqlAlchemyUnitOfWork.open(database.engine) as uow:
            return await uow.sessions.get_with_owner(database.session_id)

    benchmark(database.rounds(read))
