"""Every Alembic revision goes up, down and up again, and head matches the tables' metadata."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from adapters.persistence import create_engine, migrate
from adapters.persistence.tables import metadata

OUR_TABLES = {
    "users",
    "refresh_sessions",
    "one_time_links",
    "reset_requests",
    "mail_outbox",
    "passkeys",
    "passkey_ceremonies",
    "totp_factors",
    "recovery_codes",
    "mfa_challenges",
}


def head_revision() -> str:
    """The newest revision in adapters/persistence/migrations/versions; exactly one, no branches."""
    heads = ScriptDirectory.from_config(migrate.alembic_config("")).get_heads()
    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {heads}"
    return heads[0]


async def inspect_database(url: str) -> dict[str, Any]:
    """The tables, the Alembic revision, and what autogenerate would still change."""

    def look(connection: Connection) -> dict[str, Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return {
            "tables": set(inspect(connection).get_table_names()) - {"alembic_version"},
            "revision": context.get_current_revision(),
            "differences": compare_metadata(context, metadata),
        }

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(look)
    finally:
        await engine.dispose()


async def assert_up_down_up(url: str) -> None:
    migrate.upgrade(url)
    at_head = await inspect_database(url)
    assert at_head["tables"] == OUR_TABLES
    assert at_head["revision"] == head_revision()
    assert at_head["differences"] == []

    migrate.downgrade(url, "base")
    at_base = await inspect_database(url)
    assert at_base["tables"] == set()
    assert at_base["revision"] is None

    migrate.upgrade(url)
    assert await inspect_database(url) == at_head


@pytest.mark.postgres
async def test_postgres_migrates_up_down_and_up_again(empty_postgres_url: str) -> None:
    await assert_up_down_up(empty_postgres_url)


async def test_sqlite_migrates_up_down_and_up_again(tmp_path: Path) -> None:
    await assert_up_down_up(f"sqlite+aiosqlite:///{tmp_path / 'hexauth.db'}")


async def test_migrating_a_sqlite_file_creates_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "not" / "there" / "yet.db"

    migrate.upgrade(f"sqlite+aiosqlite:///{path}")

    assert path.is_file()
    assert (await inspect_database(f"sqlite+aiosqlite:///{path}"))["tables"] == OUR_TABLES


async def run_on(url: str, statement: str, **params: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        await engine.dispose()


async def session_columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: {
                    column["name"] for column in inspect(sync).get_columns("refresh_sessions")
                }
            )
    finally:
        await engine.dispose()


async def assert_sessions_gain_and_lose_their_amr(url: str) -> None:
    # 0004: sessions signed in before it did so with a password, and down again drops the column.
    migrate.upgrade(url, "0003")
    await run_on(
        url,
        "INSERT INTO users (id, email, password_hash, created_at) VALUES"
        " ('00000000-0000-0000-0000-000000000001', 'ada@example.com', 'h', CURRENT_TIMESTAMP)",
    )
    await run_on(
        url,
        "INSERT INTO refresh_sessions (id, user_id, current_token_id, created_at, last_used_at,"
        " expires_at, idle_expires_at) VALUES ('00000000-0000-0000-0000-000000000002',"
        " '00000000-0000-0000-0000-000000000001', 'jti', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    )

    migrate.upgrade(url, "0004")
    assert await run_on(url, "SELECT amr FROM refresh_sessions") == [("pwd",)]

    migrate.downgrade(url, "0003")
    assert "amr" not in await session_columns(url)
    assert len(await run_on(url, "SELECT id FROM refresh_sessions")) == 1


@pytest.mark.postgres
async def test_postgres_sessions_from_before_0004_signed_in_with_a_password(
    empty_postgres_url: str,
) -> None:
    await assert_sessions_gain_and_lose_their_amr(empty_postgres_url)


async def test_sqlite_sessions_from_before_0004_signed_in_with_a_password(tmp_path: Path) -> None:
    await assert_sessions_gain_and_lose_their_amr(f"sqlite+aiosqlite:///{tmp_path / 'hexauth.db'}")


async def assert_passkeys_come_and_go_and_accounts_stay(url: str) -> None:
    # 0006: the passkey tables, removed with their rows on the way down; accounts are untouched.
    migrate.upgrade(url, "0005")
    await run_on(
        url,
        "INSERT INTO users (id, email, password_hash, created_at) VALUES"
        " ('00000000-0000-0000-0000-000000000001', 'ada@example.com', 'h', CURRENT_TIMESTAMP)",
    )

    migrate.upgrade(url, "0006")
    await run_on(
        url,
        "INSERT INTO passkeys (id, user_id, credential_id, public_key, sign_count, name,"
        " created_at) VALUES ('00000000-0000-0000-0000-000000000002',"
        " '00000000-0000-0000-0000-000000000001', :credential, :key, 4294967295, 'Laptop',"
        " CURRENT_TIMESTAMP)",
        credential=b"\x01" * 32,
        key=b"\x02" * 77,
    )
    assert await run_on(url, "SELECT sign_count FROM passkeys") == [(4294967295,)]

    migrate.downgrade(url, "0005")
    tables = (await inspect_database(url))["tables"]
    assert not {"passkeys", "passkey_ceremonies"} & tables
    assert len(await run_on(url, "SELECT id FROM users")) == 1


@pytest.mark.postgres
async def test_postgres_passkeys_come_and_go_with_0006(empty_postgres_url: str) -> None:
    await assert_passkeys_come_and_go_and_accounts_stay(empty_postgres_url)


async def test_sqlite_passkeys_come_and_go_with_0006(tmp_path: Path) -> None:
    await assert_passkeys_come_and_go_and_accounts_stay(
        f"sqlite+aiosqlite:///{tmp_path / 'hexauth.db'}"
    )


def contents_of(path: Path) -> list[tuple[Any, ...]]:
    """Every table, index and trigger as SQLite stores its SQL, Alembic's revision, the users."""
    with closing(sqlite3.connect(path)) as connection:
        return [
            *connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name"),
            *connection.execute("SELECT version_num FROM alembic_version"),
            *connection.execute("SELECT * FROM users"),
        ]


def test_migrating_again_at_head_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "hexauth.db"
    url = f"sqlite:///{path}"  # a sync-driver URL is accepted as well
    migrate.upgrade(url)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)",
            (uuid4().hex, "ada@example.com", "$argon2id$...", "2025-01-01 00:00:00+00:00"),
        )
    at_head = contents_of(path)

    migrate.upgrade(url)

    assert contents_of(path) == at_head
    assert (head_revision(),) in at_head
    assert sum(1 for row in at_head if "ada@example.com" in row) == 1


async def assert_0005_goes_down_with_its_rows_and_up_again(url: str) -> None:
    # 0005 down drops the second-factor tables with what they hold; up makes them again, empty.
    migrate.upgrade(url)
    user = "00000000-0000-0000-0000-000000000001"
    await run_on(
        url,
        "INSERT INTO users (id, email, password_hash, created_at) VALUES"
        f" ('{user}', 'ada@example.com', 'h', CURRENT_TIMESTAMP)",
    )
    await run_on(
        url,
        "INSERT INTO totp_factors (user_id, secret_kid, secret_ciphertext, created_at)"
        f" VALUES ('{user}', 'k1', :sealed, CURRENT_TIMESTAMP)",
        sealed=b"sealed",
    )
    await run_on(url, f"INSERT INTO recovery_codes (user_id, code_hash) VALUES ('{user}', 'h1')")
    await run_on(
        url,
        "INSERT INTO mfa_challenges (token_hash, user_id, credentials_version, created_at,"
        f" expires_at) VALUES ('t1', '{user}', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    )

    migrate.downgrade(url, "0004")
    migrate.upgrade(url)
    for table in ("totp_factors", "recovery_codes", "mfa_challenges"):
        assert await run_on(url, f"SELECT count(*) FROM {table}") == [(0,)]


@pytest.mark.postgres
async def test_postgres_0005_goes_down_and_up_again(empty_postgres_url: str) -> None:
    await assert_0005_goes_down_with_its_rows_and_up_again(empty_postgres_url)
