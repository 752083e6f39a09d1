"""A database outage under a running `hexauth serve`: 503 with Retry-After, quickly, never a 500
or a hang; and the same process serves again once the database is back.

Each test runs its own throwaway PostgreSQL cluster (tests/support/postgres.py), which it stops
or freezes: never the shared server.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.tokens.keys import new_key_entry
from tests.e2e.processes import Server, running
from tests.e2e.served import HEXAUTH, _environment, hexauth
from tests.e2e.test_register_and_login import assert_problem
from tests.support.postgres import (
    Cluster,
    PostgresUnavailableError,
    create_database,
    skip_or_fail,
    throwaway_cluster,
)

# Both tests time their answers against the contract's bound, and share the module's cluster
# (one pytest-xdist worker runs the module: tests/support/categories.py).
pytestmark = [pytest.mark.postgres, pytest.mark.timing]

PASSWORD = "correct horse battery staple"
CREDENTIALS = {"email": "ada@example.com", "password": PASSWORD}
# The contract's bound is 5 s per wait; one more second for the process and the machine.
QUICKLY = 6.5
# How long the restarted database may take to be served again (a few requests' worth).
BACK_WITHIN = 30.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """One cluster for the module: each test leaves it running, whatever it did to it."""
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(throwaway_cluster())
        except PostgresUnavailableError as unavailable:
            skip_or_fail(unavailable, "The outage tests")
        yield cluster


@pytest.fixture
def server(cluster: Cluster, tmp_path: Path) -> Iterator[Server]:
    env = {
        "AUTH_KEYS": new_key_entry("outage"),
        "DATABASE_URL": create_database(cluster.url),
    }
    migrated = hexauth("migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    with running([*HEXAUTH, "serve"], _environment(env), tmp_path) as server:
        yield server


def timed(method: str, url: str, **options: object) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.request(method, url, timeout=30, **options)  # type: ignore[arg-type]
    return response, time.monotonic() - started


def signed_in(server: Server) -> dict[str, str]:
    response = httpx.post(f"{server.base_url}/auth/register", json=CREDENTIALS, timeout=30)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def assert_outage_answered_quickly(server: Server, bearer: dict[str, str]) -> None:
    for method, path, options in (
        ("POST", "/auth/login", {"json": CREDENTIALS}),
        ("GET", "/users/me", {"headers": bearer}),
        ("POST", "/auth/login", {"json": CREDENTIALS}),
        ("GET", "/users/me", {"headers": bearer}),
    ):
        response, seconds = timed(method, f"{server.base_url}{path}", **options)
        assert_problem(response, 503, "service-unavailable")
        assert int(response.headers["retry-after"]) > 0
        assert seconds < QUICKLY, f"{method} {path} took {seconds:.1f} s"
    health, seconds = timed("GET", f"{server.base_url}/health")
    assert health.status_code == 503
    assert seconds < QUICKLY, f"/health took {seconds:.1f} s"
    assert httpx.get(f"{server.base_url}/health/live", timeout=5).status_code == 200


def assert_served_again(server: Server, bearer: dict[str, str]) -> None:
    deadline = time.monotonic() + BACK_WITHIN
    statuses: list[int] = []
    while time.monotonic() < deadline:
        me = httpx.get(f"{server.base_url}/users/me", headers=bearer, timeout=30)
        statuses.append(me.status_code)
        if me.status_code == 200:
            break
        assert me.status_code == 503, me.text
        time.sleep(0.2)
    assert statuses[-1] == 200, f"not served again within {BACK_WITHIN} s: {statuses}"
    login = httpx.post(f"{server.base_url}/auth/login", json=CREDENTIALS, timeout=30)
    assert login.status_code == 200, login.text
    assert server.process.poll() is None
    assert not [line for line in server.lines() if " 500" in line or "internal-error" in line]


def test_a_stopped_database_answers_503_at_once_and_serves_again_when_back(
    cluster: Cluster, server: Server
) -> None:
    bearer = signed_in(server)

    cluster.stop()
    try:
        assert_outage_answered_quickly(server, bearer)
    finally:
        cluster.start()

    assert_served_again(server, bearer)


def test_a_frozen_database_answers_503_within_the_bound_and_serves_again_when_thawed(
    cluster: Cluster, server: Server
) -> None:
    bearer = signed_in(server)

    with cluster.frozen():
        assert_outage_answered_quickly(server, bearer)

    assert_served_again(server, bearer)
