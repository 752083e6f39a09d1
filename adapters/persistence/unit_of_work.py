"""The UnitOfWork port as one pooled connection and one transaction of an AsyncEngine."""

from __future__ import annotations

import asyncio
from functools import partial
from types import TracebackType
from typing import Self

import asyncpg
from asyncpg.transaction import Transaction
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.lifecycle_repositories import (
    SqlAlchemyLinkRepository,
    SqlAlchemyOutboxRepository,
    SqlAlchemyResetRequestRepository,
)
from adapters.persistence.outages import WAIT_SECONDS, is_outage
from adapters.persistence.repositories import (
    SqlAlchemySessionRepository,
    SqlAlchemyUserRepository,
)
from adapters.persistence.statements import StatementRunner
from application.ports import StoreUnavailable, UnitOfWork, UnitOfWorkFactory


class SqlAlchemyUnitOfWork(UnitOfWork):
    """`async with` takes a pooled connection and begins; `commit` commits; leaving without a
    commit rolls back; leaving always gives the connection back to the pool.

    On PostgreSQL the transaction is asyncpg's, on the driver connection under SQLAlchemy's
    pooled one, and SQLAlchemy runs that connection in its AUTOCOMMIT mode, so it never opens a
    transaction of its own: its statements and the hot ones run on the driver
    (adapters/persistence/hot_queries.py) share the unit of work's. A read-only unit of work
    opens none, so its one statement costs no BEGIN and ROLLBACK round trips, and neither does
    one asked for with `autocommit=True`, whose every statement commits on its own. On SQLite
    the transaction is SQLAlchemy's, in every mode.

    The database refusing, dropping the connection or not answering in time
    (adapters/persistence/outages.py) surfaces as StoreUnavailable, from any step; the
    connection is then thrown away, never given back to the pool, and what the transaction had
    done is undone by the server. On PostgreSQL the whole unit of work, from the wait for a
    pooled connection to the connection's return, also has `deadline` seconds (by default
    WAIT_SECONDS): each step has its own bound too, but a wait for the pool followed by a slow
    connect and a slow statement would add up to more than the contract's 5 seconds.

    One instance serves one `async with` at a time; make a new one per transaction.
    """

    users: SqlAlchemyUserRepository
    sessions: SqlAlchemySessionRepository
    statements: StatementRunner
    """The runner the repositories use, for a repository of your own in the same transaction."""
    links: SqlAlchemyLinkRepository
    outbox: SqlAlchemyOutboxRepository
    reset_requests: SqlAlchemyResetRequestRepository

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        read_only: bool = False,
        autocommit: bool = False,
        deadline: float = WAIT_SECONDS,
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._autocommit = autocommit
        self._deadline_seconds = deadline
        self._deadline: asyncio.Timeout | None = None
        self._connection: AsyncConnection | None = None
        self._driver: asyncpg.Connection | None = None
        self._transaction: Transaction | None = None

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already open")
        if self._engine.dialect.name == "postgresql":
            # SQLite has no server to wait for, and a cancelled aiosqlite call would run on in
            # its thread: its bound stays the busy timeout.
            self._deadline = asyncio.timeout(self._deadline_seconds)
            await self._deadline.__aenter__()
        try:
            await self._open()
        except BaseException as error:
            await self._end_deadline(error)
            raise
        return self

    async def _open(self) -> None:
        try:
            connection = await self._connect()
        except BaseException as error:
            await self._failed(error)
            raise
        self._connection = connection
        try:
            await self._begin(connection)
        except BaseException as error:
            try:
                await self._failed(error)
            finally:
                await self._leave()
            raise
        self.statements = StatementRunner(connection, self._failed, self._driver)
        self.users = SqlAlchemyUserRepository(self.statements)
        self.sessions = SqlAlchemySessionRepository(self.statements)
        self.links = SqlAlchemyLinkRepository(self.statements)
        self.outbox = SqlAlchemyOutboxRepository(self.statements)
        self.reset_requests = SqlAlchemyResetRequestRepository(self.statements)

    async def _connect(self) -> AsyncConnection:
        if self._engine.dialect.name != "postgresql":
            return await self._engine.connect()
        connection = await self._engine.connect()
        try:
            self._driver = (await connection.get_raw_connection()).driver_connection
        except BaseException:
            await connection.invalidate()
            await connection.close()
            raise
        return connection

    async def _begin(self, connection: AsyncConnection) -> None:
        if self._driver is None:
            await connection.begin()
        elif not (self._read_only or self._autocommit):
            self._transaction = self._driver.transaction()
            await self._transaction.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self._leave()
        except BaseException as error:
            await self._end_deadline(error)
            raise
        await self._end_deadline(exc)

    async def _end_deadline(self, error: BaseException | None) -> None:
        """Leave the deadline's scope; past it, what ends the unit of work is StoreUnavailable.

        When the deadline passes, asyncio cancels whatever step was waiting, and that step threw
        its connection away (`_failed`); asyncio's Timeout then turns the cancellation back into
        a TimeoutError, which is an outage like any other.
        """
        deadline, self._deadline = self._deadline, None
        if deadline is None:
            return
        try:
            await deadline.__aexit__(
                None if error is None else type(error),
                error,
                None if error is None else error.__traceback__,
            )
        except TimeoutError as timeout:
            raise StoreUnavailable(
                f"the database: no answer within {self._deadline_seconds:g} s"
            ) from timeout

    async def _leave(self) -> None:
        connection, self._connection = self._connection, None
        transaction, self._transaction = self._transaction, None
        if connection is None:
            return
        try:
            if connection.invalidated:
                pass  # thrown away after an outage: nothing left to roll back
            elif transaction is not None:  # begun on PostgreSQL and not committed
                await transaction.rollback()
            elif connection.in_transaction():
                await connection.rollback()
        except Exception:
            # The rollback failed, so the connection is broken or in an unknown state: it must
            # never serve another caller. Nothing was committed; what went wrong inside, if
            # anything, is what the caller hears.
            await self._discard(connection)
        except BaseException:  # cancelled while rolling back
            await self._discard(connection)
            raise
        finally:
            self._driver = None
            await connection.close()

    async def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit outside `async with`")
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        transaction, self._transaction = self._transaction, None
        try:
            if transaction is not None:
                await transaction.commit()
            elif self._connection.in_transaction():
                # SQLAlchemy's transaction (SQLite; or its AUTOCOMMIT-mode marker on PostgreSQL
                # once a statement ran through it). A unit of work in autocommit mode whose
                # statements all ran on the driver has none, and skips the call.
                await self._connection.commit()
        except BaseException as error:
            if transaction is not None:  # committed or not, nobody knows: never reuse it
                await self._discard(self._connection)
            await self._failed(error)
            raise

    async def _failed(self, error: BaseException) -> None:
        """The one place where the database's outage errors become StoreUnavailable.

        Told of every error of an exchange with the database: for an outage it throws the
        connection away and raises StoreUnavailable in the error's place; a cancellation also
        throws it away (its state is unknown); anything else is left for the caller to re-raise.
        """
        if isinstance(error, StoreUnavailable):
            return
        outage = isinstance(error, Exception) and is_outage(error)
        if (outage or not isinstance(error, Exception)) and self._connection is not None:
            await self._discard(self._connection)
        if outage:
            raise StoreUnavailable(f"the database: {type(error).__name__}") from error

    async def _discard(self, connection: AsyncConnection) -> None:
        if self._driver is not None:
            # Closes the socket at once: asyncpg's graceful close, which SQLAlchemy's
            # invalidation tries first, would wait for a server that may not answer.
            self._driver.terminate()
        if not connection.invalidated:
            await connection.invalidate()


def unit_of_work_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    """Makes a fresh SqlAlchemyUnitOfWork on `engine` per call, as use cases expect."""
    return partial(SqlAlchemyUnitOfWork, engine)
