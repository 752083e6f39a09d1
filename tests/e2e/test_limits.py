"""Size limits: bodies over 16 KiB on /auth/* (docs/api.md "Conventions") and tokens over 8 KiB
(docs/api.md "Token format") are refused before anything parses or decrypts them."""

from __future__ import annotations

import pytest

from adapters.tokens.jose import AesGcmJwe
from tests.e2e.conftest import CSRF, PASSWORD, bearer, refresh, register, use_cookie
from tests.e2e.test_register_and_login import assert_problem

LIMIT = 16 * 1024
BODY_PATHS = ["/auth/register", "/auth/login"]


def oversized_json(size: int = LIMIT + 1) -> bytes:
    prefix = b'{"email": "ada@example.com", "password": "'
    return prefix + b"x" * (size - len(prefix) - 2) + b'"}'


@pytest.mark.parametrize("path", BODY_PATHS)
def test_a_body_announced_over_the_limit_is_413(client, path):
    response = client.post(
        path, content=oversized_json(), headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 413, "payload-too-large")


@pytest.mark.parametrize("path", BODY_PATHS)
def test_a_chunked_body_over_the_limit_is_413_without_a_content_length(client, path):
    body = oversized_json()

    def chunks():
        for start in range(0, len(body), 1024):
            yield body[start : start + 1024]

    response = client.post(path, content=chunks(), headers={"Content-Type": "application/json"})

    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, 413, "payload-too-large")


def test_a_body_of_exactly_the_limit_is_parsed(client):
    body = oversized_json(LIMIT)

    response = client.post(
        "/auth/register", content=body, headers={"Content-Type": "application/json"}
    )

    assert len(body) == LIMIT
    assert_problem(response, 422, "validation-error")  # read and judged: the password is too long


async def test_the_app_stops_reading_a_streamed_body_once_it_passes_the_limit(client):
    app = client.app
    sent: list[int] = []
    received: list[dict] = []

    async def receive():
        sent.append(1024)
        return {"type": "http.request", "body": b"x" * 1024, "more_body": len(sent) < 1000}

    async def send(message):
        received.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": "/auth/login",
        "raw_path": b"/auth/login",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver.local"), (b"content-type", b"application/json")],
        "client": ("192.0.2.1", 4000),
        "server": ("testserver.local", 443),
        "state": {},
    }

    await app(scope, receive, send)

    assert received[0]["status"] == 413
    assert sum(sent) <= LIMIT + 1024  # it did not swallow the other ~1 MB first


@pytest.fixture
def decryptions(monkeypatch) -> list[str]:
    """Every token the JWE layer is asked to decrypt: the first step of the cryptography."""
    seen: list[str] = []
    original = AesGcmJwe.decrypt

    def spy(self, token):
        seen.append(token)
        return original(self, token)

    monkeypatch.setattr(AesGcmJwe, "decrypt", spy)
    return seen


def test_a_bearer_token_over_8_kib_is_refused_before_any_cryptography(client, decryptions):
    token = register(client).json()["access_token"]
    padded = token + "A" * (8193 - len(token))

    response = client.get("/users/me", headers={"Authorization": f"Bearer {padded}"})

    assert_problem(response, 401, "invalid-token")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert decryptions == []
    assert client.get("/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert decryptions == [token]  # the spy does see tokens of a normal size


def test_a_refresh_cookie_over_8_kib_is_refused_before_any_cryptography(client, decryptions):
    register(client)
    use_cookie(client, "A" * 9000)

    response = refresh(client)

    assert_problem(response, 401, "invalid-token")
    assert decryptions == []


def test_an_oversized_token_gets_the_same_answer_as_any_refused_token(client):
    registered = register(client)
    answers = [
        client.get("/users/me", headers={"Authorization": f"Bearer {candidate}"})
        for candidate in ("x" * 9000, "garbage", bearer(registered)["Authorization"][7:] + "x")
    ]

    assert len({(a.status_code, a.text, a.headers["www-authenticate"]) for a in answers}) == 1


def test_a_common_password_is_refused_at_registration(client):
    response = client.post(
        "/auth/register", json={"email": "ada@example.com", "password": "1qaz2wsx3edc4rfv"}
    )

    body = assert_problem(response, 422, "validation-error")
    assert body["errors"] == [
        {"field": "password", "message": "this password is too common; choose another"}
    ]
    assert client.post("/auth/logout", headers=CSRF).status_code == 204
    assert register(client, password=PASSWORD).status_code == 201
