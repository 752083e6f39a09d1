"""The three statements of the hottest paths as plain PostgreSQL text, run with asyncpg's API.

Why: GET /users/me reads one user, and refresh reads a session with its owner and then swaps
its token; each is one statement. Through SQLAlchemy's async execute each costs its greenlet
hop, execution context and result wrappers, about as much CPU again as asyncpg's own work
(docs/performance.md, "The database path, isolated"), which the benchmark's targets cannot
afford. SQLAlchemy still owns the pool and hands out the connection
(`AsyncConnection.get_raw_connection().driver_connection`, its public way to the driver), and
the repository contract tests run these on PostgreSQL like every other statement. Everything
else, and every statement on SQLite, goes through SQLAlchemy.

The column lists come from the same tables as the Core statements, so the two cannot drift.
Only identifiers of those tables are put into the text (hence the S608 waivers); every value is
a `$n` parameter.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column

from adapters.persistence.statements import DriverQuery
from adapters.persistence.tables import refresh_sessions, users


def _names(columns: Iterable[Column[object]], prefix: str) -> str:
    return ", ".join(f"{prefix}.{column.name}" for column in columns)


def select_user(columns: Iterable[Column[object]]) -> DriverQuery:
    return DriverQuery(
        f"SELECT {_names(columns, 'u')} FROM {users.name} u WHERE u.id = $1",  # noqa: S608
        ("user_id",),
    )


def select_session_with_owner(
    session_columns: Iterable[Column[object]], user_columns: Iterable[Column[object]]
) -> DriverQuery:
    return DriverQuery(
        f"SELECT {_names(session_columns, 's')}, {_names(user_columns, 'u')}"  # noqa: S608
        f" FROM {refresh_sessions.name} s JOIN {users.name} u ON s.user_id = u.id"
        " WHERE s.id = $1",
        ("session_id",),
    )


def rotate_session(new_values: Iterable[str]) -> DriverQuery:
    """Compare-and-swap: set `new_values` (from parameters `new_<column>`) only where the row's
    current token is still `expected_token_id` and it is not revoked."""
    columns = list(new_values)
    assignments = ", ".join(f"{column} = ${n}" for n, column in enumerate(columns, start=3))
    return DriverQuery(
        f"UPDATE {refresh_sessions.name} SET {assignments}"  # noqa: S608
        " WHERE id = $1 AND current_token_id = $2 AND revoked_at IS NULL",
        ("session_id", "expected_token_id", *(f"new_{column}" for column in columns)),
    )
