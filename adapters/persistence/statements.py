"""How the repositories run their statements: SQLAlchemy Core through its AsyncConnection, on
every backend, with outages turned into the port's StoreUnavailable on the way out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import Executable

Row = Sequence[Any]

OutageGuard = Callable[[], AbstractAsyncContextManager[None]]
"""Wraps one exchange with the database; turns an outage inside into StoreUnavailable."""


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
        guard: OutageGuard,
        driver: asyncpg.Connection | None = None,
    ) -> None:
        self._connection = connection
        self._guard = guard
        self._driver = driver

    async def first(
        self,
        statement: Executable,
        params: Mapping[str, Any],
        *,
        on_postgres: DriverQuery | None = None,
    ) -> Row | None:
        async with self._guard():
            if on_postgres is not None and self._driver is not None:
                row: Row | None = await self._driver.fetchrow(
                    on_postgres.sql, *on_postgres.arguments(params)
                )
                return row
            return (await self._connection.execute(statement, params)).first()

    async def all(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        async with self._guard():
            return list(await self._connection.execute(statement, params))

    async def run(
        self,
        statement: Executable,
        params: Mapping[str, Any],
        *,
        on_postgres: DriverQuery | None = None,
    ) -> int:
        """Run a write; return how many rows it changed."""
        async with self._guard():
            if on_postgres is not None and self._driver is not None:
                status: str = await self._driver.execute(
                    on_postgres.sql, *on_postgres.arguments(params)
                )
                # The command tag: "UPDATE 1", "DELETE 3", "INSERT 0 1"; the count is last.
                return int(status.rsplit(" ", 1)[-1])
            return int((await self._connection.execute(statement, params)).rowcount)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: an error inside undoes only what ran inside."""
        async with self._guard():
            if self._driver is not None:
                # The unit of work's transaction is asyncpg's here, so is its savepoint.
                async with self._driver.transaction():
                    yield
            else:
                async with self._connection.begin_nested():
                    yield
