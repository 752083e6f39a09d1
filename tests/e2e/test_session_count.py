"""GET /auth/sessions/count over HTTP: the caller's live sessions, counted."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CSRF, bearer, cookie_value, register, use_cookie
from tests.e2e.test_register_and_login import assert_problem

ADA = "ada@example.com"
PASSWORD = "correct horse battery staple"


def login(client, email: str = ADA):
    response = client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response


def count(client, signed_in) -> int:
    response = client.get("/auth/sessions/count", headers=bearer(signed_in))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    return response.json()["count"]


def listed(client, signed_in) -> int:
    return len(client.get("/auth/sessions", headers=bearer(signed_in)).json())


def test_the_count_is_as_many_sessions_as_the_list_holds(client):
    phone = register(client)
    laptop = login(client)
    register(client, email="grace@example.com")

    assert count(client, phone) == listed(client, phone) == 2
    assert count(client, laptop) == 2


def test_a_signed_out_session_no_longer_counts(client):
    phone = register(client)
    laptop = login(client)
    use_cookie(client, cookie_value(laptop))

    signed_out = client.post("/auth/logout", headers=CSRF)

    assert signed_out.status_code == 204
    assert count(client, phone) == 1


def test_signing_out_everywhere_counts_nothing_left(client):
    phone = register(client)
    login(client)

    assert client.post("/auth/logout-all", headers=bearer(phone)).status_code == 204

    # The caller's access token died with the sessions; a new login sees only itself.
    assert_problem(client.get("/auth/sessions/count", headers=bearer(phone)), 401, "invalid-token")
    assert count(client, login(client)) == 1


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
def test_counting_needs_a_bearer_access_token(client, authorization):
    cookie = cookie_value(register(client))
    headers = {"Authorization": authorization} if authorization else {}

    response = client.get("/auth/sessions/count", headers=headers)
    refresh_token = client.get(
        "/auth/sessions/count", headers={"Authorization": f"Bearer {cookie}"}
    )

    assert_problem(response, 401, "invalid-token")
    assert_problem(refresh_token, 401, "invalid-token")


def test_the_openapi_document_describes_the_count(client):
    document = client.get("/schema/openapi.json").json()
    operation = document["paths"]["/auth/sessions/count"]["get"]

    assert operation["operationId"] == "countSessions"
    assert operation["security"] == [{"BearerToken": []}]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/SessionCountBody"}
    schema = document["components"]["schemas"]["SessionCountBody"]
    assert schema["properties"] == {"count": {"type": "integer"}}
    assert schema["required"] == ["count"]
    for status in ("401", "503"):
        problem = operation["responses"][status]["content"]
        assert "application/problem+json" in problem, status
