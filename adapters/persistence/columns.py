"""How values go into and come out of the columns, the same for every repository.

SQLite stores a timestamp's wall time and drops its offset, so every timestamp is written in UTC
and read back as UTC; PostgreSQL returns aware UTC datetimes, SQLite the stored wall time, naive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

Row = Sequence[Any]
"""A result row as the repositories read it, by position."""


def to_utc(moment: datetime) -> datetime:
    """`moment` as written to a column: in UTC; a naive datetime is refused."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC)


def to_utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else to_utc(moment)


def as_utc(moment: datetime) -> datetime:
    """A timestamp as read from a column, aware and in UTC on every backend."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def as_utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def violates_unique(error: IntegrityError, constraint: str, columns: str) -> bool:
    """Whether `error` is about the unique constraint `constraint` on `columns` ("table.column").

    asyncpg names the constraint (on the cause of SQLAlchemy's adapter error); SQLite names the
    columns ("UNIQUE constraint failed: ...").
    """
    orig = error.orig
    named = getattr(orig, "constraint_name", None) or getattr(
        getattr(orig, "__cause__", None), "constraint_name", None
    )
    if named is not None:
        return bool(named == constraint)
    return f"UNIQUE constraint failed: {columns}" in str(orig)
