"""How the repositories run their Core statements: through SQLAlchemy, or, on PostgreSQL,
compiled by SQLAlchemy once and run on the pooled asyncpg connection itself.

Why the second way exists: SQLAlchemy's async execute (a greenlet hop, its execution context,
the asyncpg adapter's cursor and Row objects) costs about 120 µs of CPU per statement on top
of asyncpg's own work, as much as the whole query through asyncpg (docs/performance.md,
"The database path, isolated"). No maintained library runs SQLAlchemy-built SQL on a raw
driver connection, so the few lines that do it live here. SQLAlchemy still builds and compiles
every statement, owns the pool and its settings, and the schema and migrations stay
SQLAlchemy's and Alembic's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import Executable

Row = Sequence[Any]


class StatementRunner(Protocol):
    """Runs Core statements with named parameters on one connection.

    Failures are SQLAlchemy's exceptions whichever way the statement ran: IntegrityError for
    a violated constraint, other DBAPIErrors for the rest.
    """

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> Row | None: ...

    async def all(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]: ...

    async def run(self, statement: Executable, params: Mapping[str, Any]) -> int:
        """Run a write; return how many rows it changed."""
        ...

    def savepoint(self) -> AbstractAsyncContextManager[object]:
        """A nested transaction: an error inside undoes only what ran inside."""
        ...


class SqlAlchemyRunner(StatementRunner):
    """Statements through SQLAlchemy's AsyncConnection: every backend, every feature."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> Row | None:
        return (await self._connection.execute(statement, params)).first()

    async def all(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        return list(await self._connection.execute(statement, params))

    async def run(self, statement: Executable, params: Mapping[str, Any]) -> int:
        return int((await self._connection.execute(statement, params)).rowcount)

    def savepoint(self) -> AbstractAsyncContextManager[object]:
        return self._connection.begin_nested()


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        return [
            params[name] if process is None else process(params[name])
            for name, process in zip(self.names, self.processors, strict=True)
        ]


class AsyncpgRunner(StatementRunner):
    """Statements compiled by SQLAlchemy for asyncpg, once each, run on the driver connection.

    The SQL, its `$n` parameter order and its bind processors are what SQLAlchemy itself would
    send; rows come back as asyncpg Records (UUIDs as a uuid.UUID subclass, aware datetimes).
    """

    # Shared by every runner of the process: the statements are module constants, and what
    # they compile to depends only on the dialect, which is asyncpg's for every engine here.
    _cache: ClassVar[dict[tuple[Executable, frozenset[str]], _Compiled]] = {}

    def __init__(self, connection: asyncpg.Connection, dialect: Dialect) -> None:
        self._connection = connection
        self._dialect = dialect

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> Row | None:
        compiled = self._compiled(statement, params)
        return await self._call(self._connection.fetchrow, compiled, params)

    async def all(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        compiled = self._compiled(statement, params)
        return await self._call(self._connection.fetch, compiled, params)

    async def run(self, statement: Executable, params: Mapping[str, Any]) -> int:
        compiled = self._compiled(statement, params)
        status: str = await self._call(self._connection.execute, compiled, params)
        # The command tag: "UPDATE 1", "DELETE 3", "INSERT 0 1"; the count is last.
        return int(status.rsplit(" ", 1)[-1])

    def savepoint(self) -> AbstractAsyncContextManager[object]:
        # Inside the unit of work's asyncpg transaction this is a SAVEPOINT.
        return self._connection.transaction()

    def _compiled(self, statement: Executable, params: Mapping[str, Any]) -> _Compiled:
        key = (statement, frozenset(params))
        compiled = self._cache.get(key)
        if compiled is None:
            # `column_keys`: an INSERT without `.values()` takes its columns from the parameters,
            # as SQLAlchemy does when it executes one.
            result = statement.compile(dialect=self._dialect, column_keys=list(params))
            names = tuple(result.positiontup or ())
            # SQLAlchemy's own per-parameter conversions for this dialect (bool for Boolean).
            processors = tuple(result._bind_processors.get(name) for name in names)
            compiled = self._cache[key] = _Compiled(str(result), names, processors)
        return compiled

    @staticmethod
    async def _call(
        method: Callable[..., Any], compiled: _Compiled, params: Mapping[str, Any]
    ) -> Any:
        arguments = compiled.arguments(params)
        try:
            return await method(compiled.sql, *arguments)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise IntegrityError(compiled.sql, arguments, error) from error
        except asyncpg.PostgresError as error:
            raise DatabaseError(compiled.sql, arguments, error) from error
        except (asyncpg.InterfaceError, OSError) as error:
            raise OperationalError(compiled.sql, arguments, error) from error
