"""hexauth behind a transaction-pooling PgBouncer: `hexauth migrate` and `hexauth serve` on a
DATABASE_URL with `?prepared_statement_cache_size=0`, aimed at a real PgBouncer whose two server
connections every client shares (docs/scaling.md, "Behind PgBouncer")."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import URL, text
from sqlalchemy.exc import DBAPIError

from adapters.persistence import create_engine
from tests.e2e.served import hexauth, serving
from tests.support.pgbouncer import PgBouncerUnavailableError, transaction_pooler
from tests.support.postgres import create_database, drop_database

PASSWORD = "correct horse battery staple"
CSRF = {"X-Requested-With": "XMLHttpRequest"}
COOKIE = "__Secure-refresh_token"
POOLER_SAFE = {"prepared_statement_cache_size": "0"}


@pytest.fixture
def pooler(postgres_server_url: str) -> Iterator[URL]:
    """A database of this test's own, reached through PgBouncer in transaction mode."""
    database = create_database(postgres_server_url)
    try:
        with transaction_pooler(database) as url:
            yield url
    except PgBouncerUnavailableError as unavailable:
        pytest.skip(f"PGBOUNCER UNAVAILABLE: {unavailable}")
    finally:
        drop_database(postgres_server_url, database)


def rendered(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def sign_up_and_go_round(base_url: str, n: int) -> None:
    """Register, log in, call /users/me, refresh twice: each a transaction or more."""
    email = f"user{n}@example.com"
    with httpx.Client(base_url=base_url, timeout=30) as client:
        account = {"email": email, "password": PASSWORD}
        assert client.post("/auth/register", json=account).status_code == 201
        login = client.post("/auth/login", json=account)
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert client.get("/users/me", headers=bearer).json()["email"] == email
        cookie = login.headers["set-cookie"].split(";", 1)[0]
        for _ in range(2):
            refreshed = client.post("/auth/refresh", headers={**CSRF, "Cookie": cookie})
            assert refreshed.status_code == 200, refreshed.text
            cookie = refreshed.headers["set-cookie"].split(";", 1)[0]


def test_the_whole_flow_works_through_a_transaction_pooler(pooler: URL, tmp_path: Path) -> None:
    url = rendered(pooler.update_query_dict(POOLER_SAFE))
    migrated = hexauth("migrate", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr

    # Eight clients at once on the service's pool, over PgBouncer's two server connections.
    with serving({"DATABASE_URL": url}, cwd=tmp_path) as base_url, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: sign_up_and_go_round(base_url, n), range(16)))


async def transactions_at_once(url: URL, engines: int = 3, count: int = 300) -> None:
    """`count` transactions of two statements at once, over `engines` engines' pools."""
    opened = [create_engine(url) for _ in range(engines)]
    try:

        async def work(n: int) -> None:
            async with opened[n % engines].begin() as connection:
                await connection.execute(text("SELECT CAST(:n AS integer) + 1"), {"n": n})
                await connection.execute(text("SELECT 1"))

        await asyncio.gather(*(work(n) for n in range(count)))
    finally:
        for engine in opened:
            await engine.dispose()


async def test_without_the_option_the_same_pooler_breaks_prepared_statements(
    pooler: URL,
) -> None:
    # The control: this PgBouncer really pools by transaction, so the test above means something.
    with pytest.raises(DBAPIError, match="prepared statement"):
        await transactions_at_once(pooler)
    await transactions_at_once(pooler.update_query_dict(POOLER_SAFE))
