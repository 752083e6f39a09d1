from __future__ import annotations

import re

from tests.e2e.conftest import PASSWORD, bearer, register, set_cookie_header

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"] == f"urn:hexauth:problem:{slug}"
    assert body["status"] == status
    assert body["title"]
    assert "detail" in body
    return body


def test_register_returns_a_token_response_and_the_refresh_cookie(client, clock):
    response = register(client, email="  Ada@Example.COM ")

    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["token_expiration"] == (int(clock.now().timestamp()) + 900) * 1000
    assert body["user"]["email"] == "ada@example.com"
    assert re.fullmatch(r"[0-9a-f-]{36}", body["user"]["id"])
    assert body["user"]["created_at"].endswith("Z")
    assert body["access_token"].count(".") == 4  # compact JWE
    assert PASSWORD not in response.text
    assert response.headers["cache-control"] == "no-store"
    cookie = set_cookie_header(response)
    assert cookie.startswith("__Secure-refresh_token=")
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/auth", "Max-Age=1209600"):
        assert attribute in cookie.split("; "), cookie


def test_registering_a_taken_email_in_another_case_is_a_conflict(client):
    register(client, email="ada@example.com")

    response = client.post(
        "/auth/register", json={"email": "ADA@example.com", "password": "another long password"}
    )

    assert_problem(response, 409, "email-taken")
    login = client.post(
        "/auth/login", json={"email": "ada@example.com", "password": "another long password"}
    )
    assert login.status_code == 401


def test_an_invalid_email_is_refused_with_the_field_named(client):
    response = client.post("/auth/register", json={"email": "not-an-email", "password": PASSWORD})

    body = assert_problem(response, 422, "validation-error")
    assert body["errors"][0]["field"] == "email"


def test_a_short_password_is_refused_and_nothing_is_created(client):
    short = "x" * 14

    response = client.post("/auth/register", json={"email": "ada@example.com", "password": short})

    body = assert_problem(response, 422, "validation-error")
    assert body["errors"] == [{"field": "password", "message": "use at least 15 characters"}]
    assert register(client, email="ada@example.com").status_code == 201


def test_a_password_equal_to_the_email_is_refused(client):
    response = client.post(
        "/auth/register",
        json={"email": "long.address@example.com", "password": "LONG.ADDRESS@example.com"},
    )

    assert_problem(response, 422, "validation-error")


def test_password_length_counts_code_points_not_bytes(client):
    response = client.post("/auth/register", json={"email": "e@example.com", "password": "é" * 15})

    assert response.status_code == 201


def test_malformed_json_is_a_400_validation_problem(client):
    response = client.post(
        "/auth/register", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 400, "validation-error")


def test_a_missing_field_is_a_400_validation_problem(client):
    response = client.post("/auth/login", json={"email": "ada@example.com"})

    body = assert_problem(response, 400, "validation-error")
    assert "Traceback" not in response.text
    assert isinstance(body["errors"], list)


def test_login_returns_tokens_and_a_new_cookie(client):
    register(client)
    client.cookies.clear()

    response = client.post("/auth/login", json={"email": "ADA@example.com", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "ada@example.com"
    assert response.headers["cache-control"] == "no-store"
    assert set_cookie_header(response).startswith("__Secure-refresh_token=")
    assert client.get("/users/me", headers=bearer(response)).status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    register(client)

    wrong = client.post("/auth/login", json={"email": "ada@example.com", "password": "w" * 20})
    unknown = client.post("/auth/login", json={"email": "bob@example.com", "password": PASSWORD})

    assert_problem(wrong, 401, "invalid-credentials")
    assert wrong.json() == unknown.json()
    assert wrong.status_code == unknown.status_code
    assert "set-cookie" not in wrong.headers
    assert "set-cookie" not in unknown.headers


def test_login_with_a_malformed_email_is_invalid_credentials(client):
    response = client.post("/auth/login", json={"email": "nobody", "password": PASSWORD})

    assert_problem(response, 401, "invalid-credentials")
