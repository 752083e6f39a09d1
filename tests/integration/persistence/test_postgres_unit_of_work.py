"""The unit of work on PostgreSQL, whose transaction is SQLAlchemy's: every unit of work, a
read-only one too, runs in one transaction that ends with it; no connection goes back to the
pool inside a transaction or broken; and the whole unit of work has one deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence import create_engine
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from application.ports import StoreUnavailable
from tests.builders import a_user
from tests.support.postgres import until_a_backend

pytestmark = pytest.mark.postgres

# Inside a transaction block now() is the block's start, the same for every statement; outside,
# each statement is its own transaction with its own now().
NOW = text("SELECT now()")
TRANSACTION_ID = text("SELECT txid_current()")


@pytest.fixture
async def one_connection(postgres_database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine whose pool holds a single connection, so every unit of work reuses it."""
    engine = create_engine(postgres_database_url, pool_size=1, max_overflow=0)
    try:
        yield engine
    finally:
        await engine.dispose()


async def in_a_transaction_block(uow: SqlAlchemyUnitOfWork) -> bool:
    first = (await uow.connection.execute(NOW)).scalar_one()
    await uow.connection.execute(text("SELECT pg_sleep(0.01)"))
    second = (await uow.connection.execute(NOW)).scalar_one()
    return bool(first == second)


async def transaction_id(uow: SqlAlchemyUnitOfWork) -> int:
    return int((await uow.connection.execute(TRANSACTION_ID)).scalar_one())


async def test_a_read_only_unit_of_work_runs_in_one_transaction_too(one_connection):
    async with SqlAlchemyUnitOfWork.open(one_connection, read_only=True) as uow:
        assert await in_a_transaction_block(uow) is True


async def test_a_writing_unit_of_work_runs_in_one_transaction(one_connection):
    async with SqlAlchemyUnitOfWork.open(one_connection) as uow:
        assert await in_a_transaction_block(uow) is True


async def test_each_unit_of_work_on_a_connection_has_a_transaction_of_its_own(one_connection):
    async with SqlAlchemyUnitOfWork.open(one_connection) as uow:
        first = await transaction_id(uow)
        await uow.commit()
        after_commit = await transaction_id(uow)  # SQLAlchemy begins the next one itself
    async with SqlAlchemyUnitOfWork.open(one_connection, read_only=True) as uow:
        next_one = await transaction_id(uow)

    assert len({first, after_commit, next_one}) == 3


async def test_an_error_inside_rolls_back_and_the_connection_comes_back_idle(one_connection):
    user = a_user()
    failed_in: list[int] = []

    async def add_then_fail() -> None:
        async with SqlAlchemyUnitOfWork.open(one_connection) as uow:
            await uow.users.add(user)
            failed_in.append(await transaction_id(uow))
            _ = 1 / 0

    with pytest.raises(ZeroDivisionError):
        await add_then_fail()

    async with SqlAlchemyUnitOfWork.open(one_connection, read_only=True) as uow:
        assert await transaction_id(uow) not in failed_in
        assert await uow.users.get(user.id) is None


async def test_a_failed_statement_rolls_back_and_the_connection_serves_again(one_connection):
    user = a_user()

    async def add_then_fail() -> None:
        async with SqlAlchemyUnitOfWork.open(one_connection) as uow:
            await uow.users.add(user)
            await uow.connection.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(DatabaseError):
        await add_then_fail()

    async with SqlAlchemyUnitOfWork.open(one_connection) as uow:
        assert await uow.users.get(user.id) is None
        await uow.users.add(user)
        await uow.commit()
    async with SqlAlchemyUnitOfWork.open(one_connection, read_only=True) as uow:
        assert await uow.users.get(user.id) == user


async def test_a_connection_killed_under_a_unit_of_work_is_dropped_from_the_pool(
    one_connection, postgres_database_url
):
    async def read_after_the_backend_is_killed() -> None:
        async with SqlAlchemyUnitOfWork.open(one_connection) as uow:
            pid = (await uow.connection.execute(text("SELECT pg_backend_pid()"))).first()
            assert pid is not None
            killer = create_engine(postgres_database_url)
            try:
                async with killer.connect() as connection:
                    await connection.execute(text(f"SELECT pg_terminate_backend({int(pid[0])})"))
            finally:
                await killer.dispose()
            await uow.users.get(a_user().id)

    with pytest.raises(StoreUnavailable):
        await read_after_the_backend_is_killed()

    # The pool's only connection was the dead one: a working unit of work means it was replaced.
    async with SqlAlchemyUnitOfWork.open(one_connection, read_only=True) as uow:
        assert await uow.users.get(a_user().id) is None


@pytest.mark.timing
async def test_a_unit_of_work_has_one_deadline_however_its_steps_add_up(one_connection):
    # Each statement alone is far inside the 5 s statement timeout; together they pass the unit
    # of work's deadline, which cuts the one running and ends the unit of work.
    async def four_statements_of_0_4_s() -> None:
        async with SqlAlchemyUnitOfWork.open(one_connection, deadline=0.6) as uow:
            for _ in range(4):
                await uow.connection.execute(text("SELECT pg_sleep(0.4)"))

    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=r"no answer within 0\.6 s"):
        await four_statements_of_0_4_s()
    assert time.monotonic() - started < 1.4  # the four statements would take 1.6 s

    # The connection cut off mid-statement was thrown away; the pool's one slot serves again.
    async with SqlAlchemyUnitOfWork.open(one_connection, read_only=True) as uow:
        assert await uow.users.get(a_user().id) is None


@pytest.mark.timing
async def test_the_wait_for_a_pooled_connection_counts_towards_the_deadline(one_connection):
    async with SqlAlchemyUnitOfWork.open(one_connection, read_only=True):  # the pool's only one
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            async with SqlAlchemyUnitOfWork.open(one_connection, read_only=True, deadline=0.5):
                pass
        assert time.monotonic() - started < 2.5  # the pool's own checkout timeout is 5 s


async def test_a_cancellation_from_outside_stays_a_cancellation(
    one_connection, postgres_database_url
):
    async def a_slow_unit_of_work() -> None:
        async with SqlAlchemyUnitOfWork.open(one_connection) as uow:
            await uow.connection.execute(text("SELECT pg_sleep(3)"))

    task = asyncio.create_task(a_slow_unit_of_work())
    running = "query = 'SELECT pg_sleep(3)' AND state = 'active'"
    await until_a_backend(postgres_database_url, running)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    async with SqlAlchemyUnitOfWork.open(one_connection, read_only=True) as uow:
        assert await uow.users.get(a_user().id) is None
