"""Races on one PostgreSQL database between two real `hexauth serve` processes.

Refreshes with one token, and logins against a password change, sent all at once over HTTP:
the processes run truly in parallel, and argon2 runs on real threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.tokens import TokenType
from tests.e2e.processes import running
from tests.e2e.served import HEXAUTH, _environment
from tests.fakes.security import FixedClock
from tests.integration.tokens.builders import SECRET_A, a_codec

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase for ada"
CSRF = {"X-Requested-With": "XMLHttpRequest"}
COOKIE = "__Secure-refresh_token"
KEYS = f"a:{SECRET_A}"  # the test key ring's first key: the test decodes what the servers made
# A few milliseconds per hash, so the logins' password checks overlap the change's.
ARGON2 = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "2048", "ARGON2_PARALLELISM": "1"}

pytestmark = pytest.mark.postgres


@contextmanager
def two_servers(database_url: str, cwd: Path, **env: str) -> Iterator[tuple[str, str]]:
    settings: Mapping[str, str] = {
        "DATABASE_URL": database_url,
        "AUTH_KEYS": KEYS,
        "AUTH_LOGIN_MAX_FAILURES": "1000",
        **ARGON2,
        **env,
    }
    with ExitStack() as stack:
        one, two = (
            stack.enter_context(running([*HEXAUTH, "serve"], _environment(settings), cwd))
            for _ in range(2)
        )
        yield one.base_url, two.base_url


def post(url: str, **request: Any) -> httpx.Response:
    """One request outside the races, patient with two busy servers on a shared machine."""
    return httpx.post(url, timeout=30, **request)


def cookie_of(response: httpx.Response) -> str:
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith(COOKIE))
    return header.split(";", 1)[0].split("=", 1)[1]


def with_cookie(value: str) -> dict[str, str]:
    return {**CSRF, "Cookie": f"{COOKIE}={value}"}


def refresh_jti(response: httpx.Response) -> str:
    codec = a_codec(clock=FixedClock(datetime.now(UTC)))
    return codec.decode(cookie_of(response), TokenType.REFRESH).token_id


def test_concurrent_refreshes_with_one_token_on_two_processes_rotate_once_and_agree(
    postgres_database_url: str, tmp_path: Path
) -> None:
    with two_servers(postgres_database_url, tmp_path) as (one, two):
        registered = post(
            f"{one}/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
        )
        token = cookie_of(registered)

        async def race() -> list[httpx.Response]:
            async with httpx.AsyncClient(timeout=30) as client:
                return await asyncio.gather(
                    *(
                        client.post(f"{base}/auth/refresh", headers=with_cookie(token))
                        for base in [one, two] * 4
                    )
                )

        answers = asyncio.run(race())

        assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
        jtis = {refresh_jti(answer) for answer in answers}
        assert len(jtis) == 1
        assert jtis != {refresh_jti(registered)}
        # One rotation: the token every answer holds is the session's current one.
        after = post(f"{two}/auth/refresh", headers=with_cookie(cookie_of(answers[0])))
        assert after.status_code == 200
        assert refresh_jti(after) not in jtis


def test_no_login_racing_a_password_change_leaves_a_session_that_refreshes(
    postgres_database_url: str, tmp_path: Path
) -> None:
    credentials = {"email": "ada@example.com", "password": PASSWORD}
    with two_servers(postgres_database_url, tmp_path) as (one, two):
        owner = post(f"{one}/auth/register", json=credentials)
        bearer = {"Authorization": f"Bearer {owner.json()['access_token']}"}
        change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}

        async def race() -> tuple[httpx.Response, list[httpx.Response]]:
            async with httpx.AsyncClient(timeout=60) as client:
                changed, *logins = await asyncio.gather(
                    client.post(f"{one}/auth/password", json=change, headers=bearer),
                    *(
                        client.post(f"{base}/auth/login", json=credentials)
                        for base in [two, one] * 15
                    ),
                )
                return changed, logins

        changed, logins = asyncio.run(race())

        assert changed.status_code == 200, changed.text
        assert {login.status_code for login in logins} <= {200, 401}
        signed_in = [login for login in logins if login.status_code == 200]
        refreshed = [
            post(f"{base}/auth/refresh", headers=with_cookie(cookie_of(login))).status_code
            for base, login in zip([one, two] * 15, signed_in, strict=False)
        ]
        assert refreshed == [401] * len(signed_in)
        assert signed_in, "no login got through before the change: the race proved nothing"
        fresh = post(f"{two}/auth/refresh", headers=with_cookie(cookie_of(changed)))
        assert fresh.status_code == 200
