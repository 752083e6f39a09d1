"""A newcomer's first run against PostgreSQL: `hexauth migrate` creates a missing database when
the user may, or says in one line what to run; an unreachable database is one line, never a
traceback, for `migrate` and for `serve`."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import make_url

from adapters.tokens.keys import new_key_entry
from tests.e2e.served import HEXAUTH, PATIENCE, _environment, free_port, hexauth
from tests.support.postgres import execute_on, run_async

pytestmark = pytest.mark.postgres


def database_on(server_url: str, *, user: str | None = None) -> str:
    url = make_url(server_url).set(database=f"hexauth_new_{uuid4().hex[:12]}")
    if user is not None:
        url = url.set(username=user, password=None)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def missing_database(postgres_server_url: str) -> Iterator[str]:
    url = database_on(postgres_server_url)
    try:
        yield url
    finally:
        name = make_url(url).database
        run_async(execute_on(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def user_without_createdb(postgres_server_url: str) -> Iterator[str]:
    role = f"hexauth_nocreate_{uuid4().hex[:8]}"
    run_async(execute_on(postgres_server_url, f'CREATE ROLE "{role}" LOGIN NOCREATEDB'))
    try:
        yield role
    finally:
        run_async(execute_on(postgres_server_url, f'DROP ROLE IF EXISTS "{role}"'))


def stderr_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("hexauth:")]


def test_migrate_creates_a_missing_database_then_migrates_it(missing_database, tmp_path):
    env = {"AUTH_KEYS": new_key_entry("new"), "DATABASE_URL": missing_database}

    first = hexauth("migrate", env=env, cwd=tmp_path)
    again = hexauth("migrate", env=env, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert stderr_lines(first) == ["hexauth: created the database, which did not exist"]
    assert "Traceback" not in first.stderr
    assert again.returncode == 0, again.stderr
    assert stderr_lines(again) == []


def test_migrate_says_in_one_line_what_to_run_when_the_user_may_not_create_it(
    postgres_server_url, user_without_createdb, tmp_path
):
    url = database_on(postgres_server_url, user=user_without_createdb)
    env = {"AUTH_KEYS": new_key_entry("new"), "DATABASE_URL": url}

    result = hexauth("migrate", env=env, cwd=tmp_path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = stderr_lines(result)
    assert "does not exist" in line
    assert f'CREATE DATABASE "{make_url(url).database}" OWNER {user_without_createdb};' in line


def test_migrate_on_an_unreachable_server_is_one_line(tmp_path):
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/hexauth"
    env = {"AUTH_KEYS": new_key_entry("new"), "DATABASE_URL": url}

    result = hexauth("migrate", env=env, cwd=tmp_path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = stderr_lines(result)
    assert "does not answer" in line


def test_serve_on_a_missing_database_says_so_in_one_line_and_answers_503(
    missing_database, tmp_path
):
    port = free_port()
    env = {"AUTH_KEYS": new_key_entry("new"), "DATABASE_URL": missing_database}
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port)}
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*HEXAUTH, "serve"],
            env=_environment(env),
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_for(f"{base}/health/live") == 200
        health = httpx.get(f"{base}/health", timeout=15)
        login = httpx.post(
            f"{base}/auth/login", json={"email": "a@example.com", "password": "x" * 12}, timeout=15
        )
    finally:
        process.terminate()
        process.wait(timeout=15)

    assert health.status_code == 503
    assert login.status_code == 503, login.text
    output = Path(log).read_text()
    assert "Traceback" not in output
    [line] = [line for line in output.splitlines() if line.startswith("hexauth:")]
    assert "does not exist" in line
    assert "hexauth migrate" in line


def wait_for(url: str) -> int:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, timeout=2).status_code
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {PATIENCE:.0f} s")
