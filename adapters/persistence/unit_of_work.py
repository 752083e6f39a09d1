"""The UnitOfWork port as one pooled connection and one transaction of an AsyncEngine."""

from __future__ import annotations

from functools import partial
from types import TracebackType
from typing import Self

from asyncpg.transaction import Transaction
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.lifecycle_repositories import (
    SqlAlchemyLinkRepository,
    SqlAlchemyOutboxRepository,
    SqlAlchemyResetRequestRepository,
)
from adapters.persistence.repositories import (
    SqlAlchemySessionRepository,
    SqlAlchemyUserRepository,
)
from adapters.persistence.statements import AsyncpgRunner, SqlAlchemyRunner, StatementRunner
from application.ports import UnitOfWork, UnitOfWorkFactory


class SqlAlchemyUnitOfWork(UnitOfWork):
    """`async with` takes a pooled connection and begins; `commit` commits; leaving without a
    commit rolls back; leaving always gives the connection back to the pool.

    On PostgreSQL the statements run on the asyncpg connection under SQLAlchemy's pooled one
    (adapters/persistence/statements.py says why), in an asyncpg transaction; a read-only
    unit of work opens none, so its one statement costs no BEGIN and ROLLBACK round trips.
    Elsewhere (SQLite) everything goes through SQLAlchemy.

    One instance serves one `async with` at a time; make a new one per transaction.
    """

    users: SqlAlchemyUserRepository
    sessions: SqlAlchemySessionRepository
    links: SqlAlchemyLinkRepository
    outbox: SqlAlchemyOutboxRepository
    reset_requests: SqlAlchemyResetRequestRepository

    def __init__(self, engine: AsyncEngine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._connection: AsyncConnection | None = None
        self._transaction: Transaction | None = None
        self._statements: StatementRunner | None = None

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already open")
        connection = await self._engine.connect()
        try:
            self._statements = await self._open(connection)
        except BaseException:
            await connection.invalidate()
            await connection.close()
            raise
        self._connection = connection
        self.users = SqlAlchemyUserRepository(self._statements)
        self.sessions = SqlAlchemySessionRepository(self._statements)
        self.links = SqlAlchemyLinkRepository(self._statements)
        self.outbox = SqlAlchemyOutboxRepository(self._statements)
        self.reset_requests = SqlAlchemyResetRequestRepository(self._statements)
        return self

    async def _open(self, connection: AsyncConnection) -> StatementRunner:
        if connection.dialect.name != "postgresql":
            await connection.begin()
            return SqlAlchemyRunner(connection)
        driver = (await connection.get_raw_connection()).driver_connection
        if not self._read_only:
            self._transaction = driver.transaction()
            await self._transaction.start()
        return AsyncpgRunner(driver, connection.dialect)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        transaction, self._transaction = self._transaction, None
        self._statements = None
        if connection is None:
            return
        try:
            if transaction is not None:  # begun and not committed
                await transaction.rollback()
            elif connection.in_transaction():
                await connection.rollback()
        except Exception:
            # The rollback failed, so the connection is broken or in an unknown state: it must
            # never serve another caller. Nothing was committed; what went wrong inside, if
            # anything, is what the caller hears.
            await connection.invalidate()
        except BaseException:  # cancelled while rolling back
            await connection.invalidate()
            raise
        finally:
            await connection.close()

    async def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit outside `async with`")
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        if self._transaction is None:
            await self._connection.commit()
            return
        transaction, self._transaction = self._transaction, None
        try:
            await transaction.commit()
        except BaseException:
            await self._connection.invalidate()
            raise


def unit_of_work_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    """Makes a fresh SqlAlchemyUnitOfWork on `engine` per call, as use cases expect."""
    return partial(SqlAlchemyUnitOfWork, engine)
