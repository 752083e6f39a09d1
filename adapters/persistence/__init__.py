"""Persistence with SQLAlchemy Core on SQLite (aiosqlite) or PostgreSQL (asyncpg), and Alembic.

- `create_engine(url, **options)` builds the AsyncEngine with what each backend needs.
- `SqlAlchemyUnitOfWork.open(engine)` / `unit_of_work_factory(engine)` serve the UnitOfWork port.
- `migrate.upgrade(url)` / `migrate.downgrade(url, revision)` run the Alembic revisions.
"""

from adapters.persistence.database import DEFAULT_DATABASE_URL, create_engine
from adapters.persistence.repositories import (
    SqlAlchemySessionRepository,
    SqlAlchemyUserRepository,
)
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork, unit_of_work_factory

__all__ = [
    "DEFAULT_DATABASE_URL",
    "SqlAlchemySessionRepository",
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUserRepository",
    "create_engine",
    "unit_of_work_factory",
]
