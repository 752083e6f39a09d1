"""docs/api.md "Conventions": the headers every response carries, errors and unrouted paths
included, and the cap on a request's header section."""

from __future__ import annotations

import httpx
import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from adapters.tokens.keys import new_key_entry
from entrypoints.http.app import create_app
from tests.e2e.conftest import BASE_URL, CSRF, PASSWORD, bearer, register
from tests.e2e.processes import running
from tests.e2e.served import HEXAUTH, _environment, hexauth
from tests.e2e.test_register_and_login import assert_problem


def answers(client: TestClient) -> dict[str, httpx.Response]:
    signed_in = bearer(register(client))
    return {
        "200 /users/me": client.get("/users/me", headers=signed_in),
        "200 /health": client.get("/health"),
        "201 /auth/register": client.post(
            "/auth/register", json={"email": "bob@example.com", "password": PASSWORD}
        ),
        "204 /auth/logout": client.post("/auth/logout", headers=CSRF),
        "401 /users/me": client.get("/users/me"),
        "404 /auth/nothing": client.get("/auth/nothing"),
        "404 /nothing": client.get("/nothing"),
        "405 /auth/login": client.put("/auth/login"),
        "405 /users/me": client.post("/users/me"),
        "413 /auth/login": client.post(
            "/auth/login", content=b"x" * 17000, headers={"Content-Type": "application/json"}
        ),
        "415 /auth/login": client.post("/auth/login", content=b"{}"),
    }


def test_every_response_carries_a_request_id_and_nosniff(client):
    for name, response in answers(client).items():
        assert len(response.headers.get("x-request-id", "")) == 32, name
        assert response.headers.get("x-content-type-options") == "nosniff", name


def test_every_response_under_auth_and_users_is_not_stored(client):
    for name, response in answers(client).items():
        if " /auth/" in name or " /users/" in name:
            assert response.headers.get("cache-control") == "no-store", name


def test_a_404_echoes_a_well_formed_request_id_and_replaces_another(client):
    kept = client.get("/nothing", headers={"X-Request-ID": "trace.42-a_b"})
    replaced = client.get("/nothing", headers={"X-Request-ID": "trace:42"})

    assert kept.headers["x-request-id"] == "trace.42-a_b"
    assert replaced.headers["x-request-id"] != "trace:42"


def test_a_500_carries_the_headers_too(container):
    class Exploding:
        async def execute(self, command):
            raise RuntimeError("boom")

    container.login.override(providers.Object(Exploding()))
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        response = client.post("/auth/login", json={"email": "a@example.com", "password": PASSWORD})

    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["detail"] == f"request id {response.headers['x-request-id']}"


@pytest.mark.parametrize("size", [17 * 1024, 8 * 1024 * 1024])
def test_request_headers_over_16_kib_are_431(client, size):
    response = client.get("/users/me", headers={"X-Padding": "p" * size})

    assert_problem(response, 431, "request-header-fields-too-large")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_headers_just_under_the_cap_are_read(client):
    response = client.get("/health", headers={"X-Padding": "p" * (15 * 1024)})

    assert response.status_code == 200


def test_a_served_process_refuses_oversized_headers_with_431(tmp_path):
    env = _environment({"AUTH_KEYS": new_key_entry("headers")})
    assert hexauth("migrate", env=env, cwd=tmp_path).returncode == 0
    with running([*HEXAUTH, "serve"], env, tmp_path) as server:
        big = httpx.get(
            f"{server.base_url}/users/me", headers={"X-Padding": "p" * (1024 * 1024)}, timeout=30
        )
        small = httpx.get(f"{server.base_url}/health/live", timeout=10)

    assert_problem(big, 431, "request-header-fields-too-large")
    assert small.status_code == 200
