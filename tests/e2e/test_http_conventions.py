from __future__ import annotations

import logging

from dependency_injector import providers
from litestar.testing import TestClient

from entrypoints.http.app import create_app
from tests.e2e.conftest import BASE_URL, CSRF, PASSWORD, register, settings_for
from tests.e2e.test_register_and_login import assert_problem


def test_health_says_ok_when_the_database_answers(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_is_503_when_the_database_does_not_answer(container, tmp_path):
    container.settings.override(
        providers.Object(settings_for("postgresql+asyncpg://nobody@127.0.0.1:1/none"))
    )
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        assert_problem(client.get("/health"), 503, "service-unavailable")


def test_an_unknown_path_is_a_not_found_problem(client):
    assert_problem(client.get("/nothing/here"), 404, "not-found")


def test_a_known_path_with_the_wrong_method_is_405(client):
    assert_problem(client.get("/auth/login"), 405, "method-not-allowed")


def test_bodies_over_16_kib_on_auth_are_refused_with_413(client):
    body = b'{"email": "a@example.com", "password": "' + b"x" * 17000 + b'"}'

    response = client.post(
        "/auth/register", content=body, headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 413, "payload-too-large")


def test_plain_http_development_cookie_drops_secure_and_the_prefix(container, database_url):
    container.settings.override(providers.Object(settings_for(database_url, cookie_secure=False)))
    with TestClient(create_app(container), base_url="http://testserver.local") as client:
        response = register(client)
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("refresh_token=")
        assert "Secure" not in cookie.split("; ")
        assert client.post("/auth/refresh", headers=CSRF).status_code == 200


def test_an_unexpected_error_is_a_500_with_only_a_request_id(container, caplog):
    class Exploding:
        async def execute(self, command):
            raise RuntimeError(f"boom with {command.password} and SELECT * FROM users")

    container.login.override(providers.Object(Exploding()))
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        response = client.post("/auth/login", json={"email": "a@example.com", "password": PASSWORD})

    body = assert_problem(response, 500, "internal-error")
    request_id = body["detail"].removeprefix("request id ")
    assert len(request_id) == 32
    assert PASSWORD not in response.text
    assert "SELECT" not in response.text
    assert "RuntimeError" not in response.text
    assert request_id in caplog.text


def test_an_unexpected_error_is_logged_by_type_and_route_never_by_its_message(container, caplog):
    class Exploding:
        """A hasher whose checks fail with the password in the message, as a bug might."""

        async def verify(self, password_hash: str, password: str) -> bool:
            raise RuntimeError(f"boom with {password} and SELECT * FROM users")

        async def imitate_verify(self, password: str) -> None:
            raise RuntimeError(f"boom with {password} and SELECT * FROM users")

        def close(self) -> None:
            pass

    container.password_hasher.override(providers.Object(Exploding()))
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        response = client.post("/auth/login", json={"email": "a@example.com", "password": PASSWORD})

    assert_problem(response, 500, "internal-error")
    assert "unhandled RuntimeError on POST /auth/login" in caplog.text
    assert response.headers["x-request-id"] in caplog.text
    assert PASSWORD not in caplog.text
    assert "SELECT" not in caplog.text


def test_the_openapi_document_lists_every_endpoint(client):
    document = client.get("/schema/openapi.json").json()

    assert document["openapi"].startswith("3.1")
    assert {
        "/auth/register",
        "/auth/login",
        "/auth/refresh",
        "/auth/logout",
        "/users/me",
        "/health",
    } <= set(document["paths"])
    assert "BearerToken" in document["components"]["securitySchemes"]


def test_every_response_carries_a_request_id_and_a_well_formed_one_is_kept(client):
    generated = client.get("/health").headers["x-request-id"]
    kept = client.get("/health", headers={"X-Request-ID": "trace-42"}).headers["x-request-id"]
    replaced = client.get("/health", headers={"X-Request-ID": "bad id\nx"}).headers["x-request-id"]

    assert len(generated) == 32
    assert kept == "trace-42"
    assert replaced not in {"bad id\nx", generated}
    assert len(replaced) == 32


def test_a_500_names_the_request_id_of_its_response(container):
    class Exploding:
        async def execute(self, command):
            raise RuntimeError("boom")

    container.login.override(providers.Object(Exploding()))
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        response = client.post(
            "/auth/login",
            json={"email": "a@example.com", "password": PASSWORD},
            headers={"X-Request-ID": "req-500"},
        )

    assert response.json()["detail"] == "request id req-500"
    assert response.headers["x-request-id"] == "req-500"


def test_security_events_of_a_flow_are_logged_without_secrets(client, caplog):
    with caplog.at_level(logging.INFO):
        registered = register(client)
        client.post("/auth/login", json={"email": "ada@example.com", "password": "w" * 20})
        client.post("/auth/refresh", headers=CSRF)

    events = [r.event for r in caplog.records if r.name == "hexauth.security"]
    assert events == ["registered", "login_failed", "refreshed"]
    assert PASSWORD not in caplog.text
    assert "w" * 20 not in caplog.text
    assert registered.json()["access_token"] not in caplog.text
