"""On PostgreSQL a read-only unit of work runs without a transaction block: no BEGIN and no
ROLLBACK round trips on the hot read path (docs/performance.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from adapters.persistence import create_engine
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork

pytestmark = pytest.mark.postgres

# Inside a transaction block now() is the block's start, the same for every statement; outside,
# each statement is its own transaction with its own now().
NOW = text("SELECT now()")


async def in_a_transaction_block(read_only: bool, url: str) -> bool:
    engine = create_engine(url)
    try:
        async with SqlAlchemyUnitOfWork(engine, read_only=read_only) as uow:
            connection = uow._connection
            assert connection is not None
            first = (await connection.execute(NOW)).scalar_one()
            await connection.execute(text("SELECT pg_sleep(0.01)"))
            second = (await connection.execute(NOW)).scalar_one()
            return first == second
    finally:
        await engine.dispose()


async def test_a_read_only_unit_of_work_opens_no_transaction(postgres_database_url):
    assert await in_a_transaction_block(True, postgres_database_url) is False


async def test_a_writing_unit_of_work_runs_in_one_transaction(postgres_database_url):
    assert await in_a_transaction_block(False, postgres_database_url) is True
