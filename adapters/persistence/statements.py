"""How the repositories run their statements: SQLAlchemy Core through its AsyncConnection, on
every backend, with outages turned into the port's StoreUnavailable on the way out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import Executable

Row = Sequence[Any]

OnFailure = Callable[[BaseException], Awaitable[None]]
"""Told of every error of an exchange with the database before it propagates; raises
StoreUnavailable in its place for an outage (the unit of work's `_failed`)."""


@dataclass(frozen=True, slots=True)
class DriverQuery:
    """A statement as plain PostgreSQL text with `$n` placeholders, for asyncpg's own API, and
    the names of the parameters that fill `$1`, `$2`... in order."""

    sql: str
    names: tuple[str, ...]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[name] for name in self.names]


class StatementRunner:
    """Runs statements with named parameters on one connection, inside its unit of work.

    Every statement goes through SQLAlchemy's public AsyncConnection API. The few hot ones that
    also come as a DriverQuery run, on PostgreSQL, on the asyncpg connection SQLAlchemy hands
    out (`driver`): adapters/persistence/hot_queries.py says why. Failures other than outages
    keep their type: SQLAlchemy's IntegrityError for a violated constraint, and so on.
    """

    def __init__(
        self,
        connection: AsyncConnection,
        on_failure: OnFailure,
        driver: asyncpg.Connection | None = None,
    ) -> None:
        self._connection = connection
        self._failed = on_failure
        self._driver = driver
        self._autocommit = driver is None  # nothing to set up where SQLAlchemy owns the transaction

    async def first(
        self,
        statement: Executable,
        params: Mapping[str, Any],
        *,
        on_postgres: DriverQuery | None = None,
    ) -> Row | None:
        try:
            if on_postgres is not None and self._driver is not None:
                record = await self._driver.fetchrow(
                    on_postgres.sql, *on_postgres.arguments(params)
                )
                return None if record is None else tuple(record)
            return (await (await self._sqlalchemy()).execute(statement, params)).first()
        except BaseException as error:
            await self._failed(error)
            raise

    async def all(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        try:
            return list(await (await self._sqlalchemy()).execute(statement, params))
        except BaseException as error:
            await self._failed(error)
            raise

    async def run(
        self,
        statement: Executable,
        params: Mapping[str, Any],
        *,
        on_postgres: DriverQuery | None = None,
    ) -> int:
        """Run a write; return how many rows it changed."""
        try:
            if on_postgres is not None and self._driver is not None:
                status: str = await self._driver.execute(
                    on_postgres.sql, *on_postgres.arguments(params)
                )
                # The command tag: "UPDATE 1", "DELETE 3", "INSERT 0 1"; the count is last.
                return int(status.rsplit(" ", 1)[-1])
            return int((await (await self._sqlalchemy()).execute(statement, params)).rowcount)
        except BaseException as error:
            await self._failed(error)
            raise

    async def _sqlalchemy(self) -> AsyncConnection:
        if not self._autocommit:
            # The unit of work's transaction is asyncpg's: in its AUTOCOMMIT mode SQLAlchemy
            # opens none of its own, and its statements run in that one. Set on first use,
            # so a unit of work of hot queries only pays nothing for it.
            await self._connection.execution_options(isolation_level="AUTOCOMMIT")
            self._autocommit = True
        return self._connection

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: an error inside undoes only what ran inside."""
        try:
            if self._driver is not None:
                # The unit of work's transaction is asyncpg's here, so is its savepoint.
                async with self._driver.transaction():
                    yield
            else:
                async with self._connection.begin_nested():
                    yield
        except BaseException as error:
            await self._failed(error)
            raise
