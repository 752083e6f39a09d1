"""The async engine: one place that knows what SQLite and PostgreSQL each need."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

from sqlalchemy import URL, Connection, event, make_url
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from adapters.persistence.outages import WAIT_SECONDS

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./.data/hexauth.db"

SQLITE_BUSY_TIMEOUT_MS = int(WAIT_SECONDS * 1000)
"""How long a SQLite transaction waits for another one's write lock before failing (and the
service answering 503): the same bound as every other wait for the database."""

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def async_url(url: str | URL) -> URL:
    """The URL with the async driver this service uses, so `postgresql://...` works as given."""
    parsed = make_url(url)
    return parsed.set(drivername=_ASYNC_DRIVERS.get(parsed.drivername, parsed.drivername))


def sqlite_file(url: str | URL) -> Path | None:
    """The file a SQLite URL names; None for other databases and in-memory ones."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # an SQLite URI (`?uri=true`) says more than a path
        return None
    return Path(database)


def ensure_sqlite_folder(url: str | URL) -> None:
    """Create the folder of a SQLite database file, which SQLite will not do itself."""
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str | URL, *, foreign_keys: bool = True, **options: Any) -> AsyncEngine:
    """An AsyncEngine for `sqlite+aiosqlite://` or `postgresql+asyncpg://` URLs.

    `options` go to SQLAlchemy's `create_async_engine` (pool size, echo...). Every wait is
    bounded by `WAIT_SECONDS` unless `options` say otherwise: a connection from the pool
    (`pool_timeout`), connecting, and each statement (asyncpg's `timeout` and
    `command_timeout`). On PostgreSQL a pooled connection that the server closed meanwhile (a
    restart) is replaced at checkout rather than failing its first statement, and one lost or
    timed out is closed at once. On SQLite every
    transaction starts with BEGIN IMMEDIATE, so concurrent writers queue on the busy timeout
    rather than failing, foreign keys are enforced unless `foreign_keys` is False (Alembic's
    batch mode needs them off while it recreates tables), and the journal is WAL, so readers
    outside a transaction never wait for a writer.

    A PostgreSQL URL with `?prepared_statement_cache_size=0` is one reached through a
    transaction-pooling proxy (PgBouncer `pool_mode = transaction`): see `_pooler_safe`.
    """
    parsed = async_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if "poolclass" not in options and (not is_sqlite or sqlite_file(parsed) is not None):
        # The default queue pools take a checkout timeout (in-memory SQLite's StaticPool not).
        options.setdefault("pool_timeout", WAIT_SECONDS)
    if not is_sqlite:
        options["connect_args"] = {
            "timeout": WAIT_SECONDS,
            "command_timeout": WAIT_SECONDS,
            **_pooler_safe(parsed),
            **options.get("connect_args", {}),
        }
        engine = create_async_engine(parsed, **options)
        event.listen(engine.sync_engine, "checkout", _replace_if_closed)
        event.listen(engine.sync_engine, "handle_error", _close_at_once_when_lost)
        return engine
    ensure_sqlite_folder(parsed)
    engine = create_async_engine(parsed, **options)
    event.listen(engine.sync_engine, "connect", _sqlite_connect_hook(foreign_keys=foreign_keys))
    event.listen(engine.sync_engine, "begin", _begin_immediate)
    return engine


def _pooler_safe(url: URL) -> dict[str, Any]:
    """What a transaction pooler needs when the URL turns SQLAlchemy's prepared statement cache
    off (its documented PgBouncer switch): asyncpg's own cache off too, and every statement
    prepared under a name of its own, so that none is looked for, or collides with another
    client's, on a server connection the pooler hands out next (SQLAlchemy's asyncpg dialect
    docs, "Prepared Statement Name with PGBouncer"; asyncpg FAQ)."""
    if url.query.get("prepared_statement_cache_size") != "0":
        return {}
    return {"statement_cache_size": 0, "prepared_statement_name_func": _unique_statement_name}


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid4()}__"


def _replace_if_closed(
    dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    # SQLAlchemy's documented way to refuse a pooled connection at checkout (PoolEvents.checkout:
    # raising DisconnectionError makes the pool connect afresh). `is_closed` asks asyncpg
    # whether the socket is gone, without a round trip (pool_pre_ping would cost one each time).
    if record.driver_connection is not None and record.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")


def _close_at_once_when_lost(context: ExceptionContext) -> None:
    # SQLAlchemy invalidates a connection that timed out or dropped by first trying asyncpg's
    # graceful close, which waits up to 2 s more for a server that may be frozen; closing the
    # socket here first (asyncpg's `terminate`) keeps the outage answer within WAIT_SECONDS.
    connection = context.connection
    if context.is_disconnect and connection is not None and not connection.invalidated:
        driver = connection.connection.driver_connection
        if driver is not None:
            driver.terminate()


def _sqlite_connect_hook(*, foreign_keys: bool) -> Callable[[Any, ConnectionPoolEntry], None]:
    def configure(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # SQLAlchemy's documented recipe (SQLite dialect docs, "Enabling Non-Legacy SQLite
        # Transactional Modes"): stop the driver from emitting its own deferred BEGIN, and
        # emit ours from the "begin" event.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    return configure


def _begin_immediate(connection: Connection) -> None:
    # A deferred BEGIN takes the write lock only at the first write, and a transaction that read
    # first and then cannot upgrade its lock fails at once ("database is locked") whatever the
    # busy timeout. Taking the lock up front makes concurrent rotations queue instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
