"""DB_POOL_SIZE and DB_MAX_OVERFLOW: the connections each process may hold."""

from __future__ import annotations

import pytest
from dependency_injector import providers
from sqlalchemy import text
from sqlalchemy.pool import StaticPool

from adapters.tokens.keys import new_key_entry
from entrypoints.container import Container
from entrypoints.settings import Settings, SettingsError

KEYS = {"AUTH_KEYS": new_key_entry("test")}


def test_the_pool_defaults_are_sqlalchemys(settings_from):
    settings = settings_from(KEYS)

    assert (settings.db_pool_size, settings.db_max_overflow) == (15, 5)


def test_the_pool_sizes_are_read_and_checked(settings_from, tmp_path):
    settings = settings_from(
        {**KEYS, "DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": "0"}, data_dir=tmp_path
    )
    assert (settings.db_pool_size, settings.db_max_overflow) == (2, 0)

    with pytest.raises(SettingsError) as refused:
        settings_from({**KEYS, "DB_POOL_SIZE": "0", "DB_MAX_OVERFLOW": "-1"})
    assert refused.value.problems == [
        "DB_POOL_SIZE must be at least 1, not 0",
        "DB_MAX_OVERFLOW must be at least 0, not -1",
    ]


async def test_a_postgres_engine_gets_the_configured_pool():
    container = Container()
    container.settings.override(
        providers.Object(
            Settings(
                database_url="postgresql://app@db.invalid/hexauth",
                db_pool_size=3,
                db_max_overflow=1,
            )
        )
    )
    engine = container.engine()
    try:
        assert engine.pool.size() == 3
        assert engine.pool._max_overflow == 1
    finally:
        await engine.dispose()


async def test_sqlite_keeps_its_own_pool_which_an_in_memory_database_could_not_size():
    container = Container()
    container.settings.override(
        providers.Object(Settings(database_url="sqlite+aiosqlite://", db_pool_size=3))
    )
    engine = container.engine()  # SQLAlchemy refuses pool_size for its in-memory StaticPool
    try:
        assert isinstance(engine.pool, StaticPool)
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
