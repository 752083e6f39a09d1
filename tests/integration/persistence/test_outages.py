"""Which database errors are outages, and the unit of work answering StoreUnavailable for them
(a server that is not there; the e2e tests stop and freeze a real one under a running server)."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from adapters.persistence import create_engine
from adapters.persistence.outages import is_outage
from adapters.persistence.provision import outage_line
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from application.ports import StoreUnavailable
from tests.builders import a_user
from tests.e2e.served import free_port


def sqlite_error(message: str, name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorname = name
    return error


class _Wrapped(Exception):
    """Stands for a driver adapter's error carrying the server's SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
        PoolTimeoutError("QueuePool limit reached, connection timed out"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.TooManyConnectionsError("too many clients already"),
        asyncpg.InvalidCatalogNameError('database "x" does not exist'),
        asyncpg.InternalClientError("cannot switch to state 11; another operation is in progress"),
        InterfaceError("SELECT 1", {}, Exception("connection is closed")),
        DBAPIError("SELECT 1", {}, _Wrapped("08006")),
        DBAPIError("SELECT 1", {}, Exception("lost"), connection_invalidated=True),
        OperationalError("BEGIN", {}, sqlite_error("database is locked", "SQLITE_BUSY")),
    ],
    ids=repr,
)
def test_refused_dropped_and_timed_out_are_outages(error: BaseException) -> None:
    assert is_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", {}, _Wrapped("23505")),
        ProgrammingError("SELECT", {}, _Wrapped("42P01")),
        DBAPIError("SELECT", {}, _Wrapped("22P02")),
        OperationalError("SELECT", {}, sqlite_error("no such table: users", "SQLITE_ERROR")),
        asyncpg.UniqueViolationError("duplicate key"),
        ValueError("a bug"),
    ],
    ids=repr,
)
def test_wrong_statements_and_violated_constraints_are_not_outages(error: Exception) -> None:
    assert not is_outage(error)


async def test_a_server_that_is_not_there_is_store_unavailable() -> None:
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/hexauth")
    try:
        for read_only in (True, False):
            with pytest.raises(StoreUnavailable):
                async with SqlAlchemyUnitOfWork.open(engine, read_only=read_only) as uow:
                    await uow.users.get(a_user().id)
    finally:
        await engine.dispose()


URL = "postgresql+asyncpg://app:secret@db.example:5432/hexauth"


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            asyncpg.InvalidCatalogNameError('database "hexauth" does not exist'),
            "database 'hexauth' does not exist at db.example:5432/hexauth; run `hexauth migrate`",
        ),
        (
            asyncpg.InvalidAuthorizationSpecificationError('role "app" does not exist'),
            "the database at db.example:5432/hexauth refused user 'app'; check DATABASE_URL",
        ),
        (
            ConnectionRefusedError(111, "Connection refused"),
            "the database at db.example:5432/hexauth does not answer (ConnectionRefusedError);"
            " is it running?",
        ),
        (ValueError("a bug"), None),
    ],
    ids=repr,
)
def test_a_database_that_cannot_be_used_is_one_line_without_the_password(error, line) -> None:
    assert outage_line(URL, error) == line
