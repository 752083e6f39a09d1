"""Alembic's async environment for hexauth (the shape of Alembic's `async` template).

The URL comes from, in order: `config.attributes["url"]` (set by `adapters.persistence.migrate`),
the `sqlalchemy.url` option, the DATABASE_URL environment variable, the default SQLite file.
A caller may also hand over an open sync connection as `config.attributes["connection"]`.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.pool import NullPool

from adapters.persistence.database import DEFAULT_DATABASE_URL, async_url, create_engine
from adapters.persistence.tables import metadata

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata


def database_url() -> str:
    url = (
        config.attributes.get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )
    return async_url(url).render_as_string(hide_password=False)


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (`alembic upgrade head --sql`)."""
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=is_sqlite,
        # Our SQLite engine emits BEGIN itself (see database.py), so DDL is transactional
        # there too, and a failed upgrade leaves nothing half done.
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if is_sqlite:
            # Foreign keys are off while batch mode drops and recreates tables (with them on,
            # dropping `users` would cascade into `refresh_sessions`); check nothing broke.
            broken = connection.execute(text("PRAGMA foreign_key_check")).all()
            if broken:
                raise RuntimeError(f"migration left rows breaking foreign keys: {broken[:5]}")


async def run_async_migrations() -> None:
    engine = create_engine(database_url(), foreign_keys=False, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        asyncio.run(run_async_migrations())
    else:
        do_run_migrations(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
