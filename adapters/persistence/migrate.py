"""Run the Alembic revisions from code (the CLI's `hexauth migrate`, tests), from any cwd."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config

from adapters.persistence.database import ensure_sqlite_folder

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic Config for this package's revisions, aimed at `url` (any SQLAlchemy URL)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Through attributes rather than `sqlalchemy.url`: the ini parser would read `%` in a
    # password as interpolation.
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (default: the newest)."""
    ensure_sqlite_folder(url)
    _run_in_own_thread(lambda: command.upgrade(alembic_config(url), revision))


def downgrade(url: str, revision: str) -> None:
    """Take the database at `url` down to `revision` ("base" removes every table)."""
    ensure_sqlite_folder(url)
    _run_in_own_thread(lambda: command.downgrade(alembic_config(url), revision))


def _run_in_own_thread(step: Callable[[], None]) -> None:
    # env.py drives the async engine with asyncio.run, which refuses to run inside a running
    # event loop and clears the calling thread's loop when done. A thread of its own makes
    # these functions safe to call from sync code and (blocking) from async code alike.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hexauth-migrate") as pool:
        pool.submit(step).result()
