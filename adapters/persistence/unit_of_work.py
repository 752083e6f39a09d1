"""The UnitOfWork port as one pooled connection and one SQLAlchemy transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.lifecycle_repositories import (
    SqlAlchemyLinkRepository,
    SqlAlchemyOutboxRepository,
    SqlAlchemyResetRequestRepository,
)
from adapters.persistence.outages import WAIT_SECONDS, is_outage
from adapters.persistence.passkey_repositories import (
    SqlAlchemyPasskeyCeremonyRepository,
    SqlAlchemyPasskeyRepository,
)
from adapters.persistence.repositories import (
    SqlAlchemySessionRepository,
    SqlAlchemyUserRepository,
)
from adapters.persistence.second_factor_repositories import (
    SqlAlchemyMfaChallengeRepository,
    SqlAlchemySecondFactorRepository,
)
from application.ports import StoreUnavailable, UnitOfWork, UnitOfWorkFactory


class SqlAlchemyUnitOfWork(UnitOfWork):
    """The repositories of one transaction on `connection`; `commit` commits it.

    A repository of your own joins the same transaction through `connection` (SQLAlchemy's
    AsyncConnection: `execute`, `begin_nested` for a savepoint, and so on).
    """

    def __init__(self, connection: AsyncConnection, *, read_only: bool = False) -> None:
        self.connection = connection
        self._read_only = read_only
        self.users = SqlAlchemyUserRepository(connection)
        self.sessions = SqlAlchemySessionRepository(connection)
        self.links = SqlAlchemyLinkRepository(connection)
        self.outbox = SqlAlchemyOutboxRepository(connection)
        self.reset_requests = SqlAlchemyResetRequestRepository(connection)
        self.passkeys = SqlAlchemyPasskeyRepository(connection)
        self.passkey_ceremonies = SqlAlchemyPasskeyCeremonyRepository(connection)
        self.second_factors = SqlAlchemySecondFactorRepository(connection)
        self.mfa_challenges = SqlAlchemyMfaChallengeRepository(connection)

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        await self.connection.commit()

    @classmethod
    @asynccontextmanager
    async def open(
        cls, engine: AsyncEngine, *, read_only: bool = False, deadline: float = WAIT_SECONDS
    ) -> AsyncIterator[SqlAlchemyUnitOfWork]:
        """Take a pooled connection and begin; leaving without `commit` rolls back, and the
        connection always goes back to the pool (thrown away instead if it broke).

        The database refusing, dropping the connection or not answering in time surfaces as
        StoreUnavailable, from any step. On PostgreSQL the whole unit of work, from the wait
        for a pooled connection to its return, has `deadline` seconds: each step has its own
        bound too (adapters/persistence/database.py), but they could add up past the contract's
        5 seconds. SQLite has no server to wait for, and a cancelled aiosqlite call would run on
        in its thread: its bound stays the busy timeout.
        """
        bound = deadline if engine.dialect.name == "postgresql" else None
        try:
            async with asyncio.timeout(bound), engine.connect() as connection:
                await connection.begin()
                yield cls(connection, read_only=read_only)
        except Exception as error:
            # The one place where the database's outage errors become StoreUnavailable. A
            # cancelled or dropped connection was invalidated by SQLAlchemy on the way out.
            if isinstance(error, TimeoutError):  # the deadline, which cancelled the step
                raise StoreUnavailable(f"the database: no answer within {deadline:g} s") from error
            if is_outage(error):
                raise StoreUnavailable(f"the database: {type(error).__name__}") from error
            raise


def unit_of_work_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    """Opens a fresh SqlAlchemyUnitOfWork on `engine` per call, as use cases expect."""
    return partial(SqlAlchemyUnitOfWork.open, engine)
