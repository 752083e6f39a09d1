"""The engine factory: the right driver for a URL, and SQLite set up for concurrent use."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.persistence.database import async_url, create_engine, sqlite_file


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u:p@db:5432/hexauth", "postgresql+asyncpg"),
        ("postgres://u:p@db:5432/hexauth", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u:p@db:5432/hexauth", "postgresql+asyncpg"),
        ("sqlite:///./.data/hexauth.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///./.data/hexauth.db", "sqlite+aiosqlite"),
    ],
)
def test_a_url_gets_the_async_driver_of_its_database(given: str, driver: str) -> None:
    assert async_url(given).drivername == driver


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite+aiosqlite:///./.data/hexauth.db", Path(".data/hexauth.db")),
        ("sqlite+aiosqlite:////var/lib/hexauth/db.sqlite", Path("/var/lib/hexauth/db.sqlite")),
        ("sqlite+aiosqlite://", None),
        ("sqlite+aiosqlite:///:memory:", None),
        ("postgresql+asyncpg://u@db/hexauth", None),
    ],
)
def test_only_a_sqlite_file_url_names_a_file(url: str, path: Path | None) -> None:
    assert sqlite_file(url) == path


async def test_a_sqlite_engine_creates_its_folder_and_sets_up_each_connection(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'new' / 'folder' / 'x.db'}")
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: await connection.scalar(text(f"PRAGMA {name}"))
                for name in ("foreign_keys", "journal_mode", "busy_timeout")
            }
    finally:
        await engine.dispose()

    assert (tmp_path / "new" / "folder").is_dir()
    assert pragmas == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 5_000}
