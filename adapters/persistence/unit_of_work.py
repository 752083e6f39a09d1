"""The UnitOfWork port as one connection and one transaction of an AsyncEngine."""

from __future__ import annotations

from functools import partial
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.repositories import (
    SqlAlchemySessionRepository,
    SqlAlchemyUserRepository,
)
from application.ports import UnitOfWork, UnitOfWorkFactory


class SqlAlchemyUnitOfWork(UnitOfWork):
    """`async with` takes a pooled connection and begins; `commit` commits; leaving without a
    commit rolls back; leaving always gives the connection back to the pool.

    One instance serves one `async with` at a time; make a new one per transaction.
    """

    users: SqlAlchemyUserRepository
    sessions: SqlAlchemySessionRepository

    def __init__(self, engine: AsyncEngine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already open")
        connection = await self._engine.connect()
        try:
            if self._read_only and self._engine.dialect.name == "postgresql":
                # One statement needs no transaction: AUTOCOMMIT saves the BEGIN and ROLLBACK
                # round trips on the hot read path (docs/performance.md). SQLite keeps its
                # transaction: its BEGIN IMMEDIATE recipe owns the driver's transaction mode.
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.begin()
        except BaseException:
            await connection.close()
            raise
        self._connection = connection
        self.users = SqlAlchemyUserRepository(connection)
        self.sessions = SqlAlchemySessionRepository(connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if connection.in_transaction():
                await connection.rollback()
        finally:
            await connection.close()

    async def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit outside `async with`")
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        await self._connection.commit()


def unit_of_work_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    """Makes a fresh SqlAlchemyUnitOfWork on `engine` per call, as use cases expect."""
    return partial(SqlAlchemyUnitOfWork, engine)
