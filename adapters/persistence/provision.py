"""The database before the schema: create a missing PostgreSQL database, and say in one line
why a database cannot be used (for `hexauth migrate` and `hexauth serve`)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import NoReturn, TypeVar

from sqlalchemy import URL, make_url, text
from sqlalchemy.pool import NullPool

from adapters.persistence.database import async_url, create_engine
from adapters.persistence.outages import WAIT_SECONDS, is_outage, sqlstate_of

MAINTENANCE_DATABASE = "postgres"
_MISSING_DATABASE = "3D000"  # invalid_catalog_name
_ALREADY_EXISTS = "42P04"  # duplicate_database: another migrate created it meanwhile
_NOT_ALLOWED = "42501"  # insufficient_privilege
_REFUSED_CREDENTIALS = "28"  # invalid_authorization_specification, invalid_password

T = TypeVar("T")


class DatabaseUnusable(Exception):
    """The database cannot be used; the message says why, and what to do, in one line."""


def create_database_if_missing(url: str) -> bool:
    """On PostgreSQL, create the database `url` names when it does not exist, connected to the
    `postgres` maintenance database with the same credentials; True when it was created.

    Raises DatabaseUnusable when the server cannot be reached or the user may not create it.
    Other databases (SQLite creates its file itself) are left alone.
    """
    parsed = async_url(url)
    if parsed.get_backend_name() != "postgresql":
        return False
    return _in_own_thread(_create_if_missing(parsed))


def database_problem(url: str) -> str | None:
    """One line on why the database at `url` cannot be used now (unreachable, missing), or
    None when it answers within the service's bound."""
    try:
        _in_own_thread(_select_one(async_url(url)))
    except DatabaseUnusable as unusable:
        return str(unusable)
    return None


def outage_line(url: str | URL, error: BaseException) -> str | None:
    """The one line for `error` met on the database at `url`, if it is about reaching it (an
    outage, a missing database, refused credentials); None for anything else."""
    parsed = make_url(url)
    where = _where(parsed)
    sqlstate = sqlstate_of(error) or ""
    if sqlstate == _MISSING_DATABASE:
        return f"database {parsed.database!r} does not exist at {where}; run `hexauth migrate`"
    if sqlstate.startswith(_REFUSED_CREDENTIALS):
        return f"the database at {where} refused user {parsed.username!r}; check DATABASE_URL"
    if is_outage(error):
        cause = type(getattr(error, "orig", None) or error).__name__
        return f"the database at {where} does not answer ({cause}); is it running?"
    return None


async def _create_if_missing(url: URL) -> bool:
    try:
        await _select_one_or_raise(url)
        return False
    except Exception as error:
        if sqlstate_of(error) != _MISSING_DATABASE:
            _raise_unusable(url, error)
    name = url.database or ""
    engine = create_engine(
        url.set(database=MAINTENANCE_DATABASE), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        async with engine.connect() as connection:
            quoted = engine.dialect.identifier_preparer.quote_identifier(name)
            # CREATE DATABASE runs outside a transaction, hence AUTOCOMMIT.
            await connection.execute(text(f"CREATE DATABASE {quoted}"))
    except Exception as error:
        if sqlstate_of(error) == _ALREADY_EXISTS:
            return False
        if sqlstate_of(error) == _NOT_ALLOWED:
            raise DatabaseUnusable(
                f"database {name!r} does not exist at {_where(url)} and user "
                f"{url.username!r} may not create it; as a superuser, run: "
                f"CREATE DATABASE {quoted} OWNER {url.username};"
            ) from error
        _raise_unusable(url, error)
    finally:
        await engine.dispose()
    return True


async def _select_one(url: URL) -> None:
    try:
        await _select_one_or_raise(url)
    except Exception as error:
        _raise_unusable(url, error)


async def _select_one_or_raise(url: URL) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with asyncio.timeout(2 * WAIT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


def _raise_unusable(url: URL, error: Exception) -> NoReturn:
    line = outage_line(url, error)
    if line is None:  # not about reaching the database: a bug, with its traceback
        raise error
    raise DatabaseUnusable(line) from error


def _where(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return url.database or "memory"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def _in_own_thread(coroutine: Coroutine[object, object, T]) -> T:
    # The CLI is synchronous, and tests call this from inside a running event loop.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hexauth-provision") as pool:
        return pool.submit(asyncio.run, coroutine).result()
