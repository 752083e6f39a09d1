"""Which database errors are outages, and the bound on every wait for the database.

The unit of work translates what `is_outage` accepts into the port's StoreUnavailable, in one
place on its way out, so the application never sees a driver's or SQLAlchemy's exception for an
outage; everything else (a violated constraint, a bug in a statement) keeps its own type.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

WAIT_SECONDS = 5.0
"""The longest the service waits for the database at each step (connecting, a statement, a
connection from the pool) and, on PostgreSQL, for a whole unit of work (API contract: an outage
answers 503 within 5 seconds, not later)."""

# SQLSTATE classes (PostgreSQL manual, appendix A) that say the server cannot serve now:
# 08 connection exception, 53 insufficient resources (too many connections, disk full),
# 57 operator intervention (shutting down, starting up, statement or lock timeout).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")
# 3D000: the database does not exist (dropped, or not created yet).
_UNAVAILABLE_SQLSTATES = ("3D000",)

# SQLite reports a wrong statement (no such table, a syntax error) as an OperationalError too,
# with the generic result code; those are bugs, not outages.
_SQLITE_STATEMENT_ERROR = "SQLITE_ERROR"

_DRIVER_OUTAGES: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable
    TimeoutError,  # asyncpg's connect and command timeouts (asyncio.TimeoutError is this)
    PoolTimeoutError,  # no pooled connection came free in time
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,  # among others: the connection is closed
    # The protocol is out of step, as when the server's notice that it ends the connection
    # races the next statement: that connection is unusable.
    asyncpg.InternalClientError,
)


def is_outage(error: BaseException) -> bool:
    """True when `error` says the database refused, dropped or did not answer in time."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated or isinstance(error, InterfaceError):
            return True
        if isinstance(error, OperationalError):
            return getattr(error.orig, "sqlite_errorname", None) != _SQLITE_STATEMENT_ERROR
        # SQLAlchemy's asyncpg adapter wraps the driver's error in one of its own.
        driver_error = None if error.orig is None else error.orig.__cause__
        return _is_outage_cause(error.orig) or _is_outage_cause(driver_error)
    return _is_outage_cause(error)


def sqlstate_of(error: BaseException | None) -> str | None:
    """PostgreSQL's SQLSTATE for `error`: on asyncpg's errors, and on the driver error that a
    SQLAlchemy DBAPIError wraps; None for anything else."""
    if isinstance(error, DBAPIError):
        error = error.orig
    sqlstate = getattr(error, "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) else None


def _is_outage_cause(error: BaseException | None) -> bool:
    if isinstance(error, _DRIVER_OUTAGES):
        return True
    sqlstate = sqlstate_of(error)
    if sqlstate is None:
        return False
    return sqlstate.startswith(_UNAVAILABLE_SQLSTATE_CLASSES) or sqlstate in _UNAVAILABLE_SQLSTATES
