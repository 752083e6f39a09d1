"""GET /auth/sessions, DELETE /auth/sessions/{id} and POST /auth/logout-all over HTTP."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from tests.e2e.conftest import (
    bearer,
    cookie_value,
    refresh,
    register,
    set_cookie_header,
    use_cookie,
)
from tests.e2e.test_register_and_login import assert_problem
from tests.e2e.test_tokens_and_sessions import assert_cookie_cleared

ADA = "ada@example.com"
GRACE = "grace@example.com"
PASSWORD = "correct horse battery staple"
REFRESH_TTL = timedelta(seconds=1_209_600)


def login(client, email: str = ADA, user_agent: str = "testclient"):
    response = client.post(
        "/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"User-Agent": user_agent},
    )
    assert response.status_code == 200, response.text
    return response


def sessions(client, signed_in) -> list[dict]:
    response = client.get("/auth/sessions", headers=bearer(signed_in))
    assert response.status_code == 200, response.text
    return response.json()


def session_id_of(client, signed_in) -> str:
    [current] = [s for s in sessions(client, signed_in) if s["current"]]
    return current["id"]


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def test_sessions_lists_the_live_ones_newest_first_and_marks_the_callers(client, clock):
    phone = register(client)
    phone_created = clock.now()
    clock.advance(seconds=60)
    laptop = login(client, user_agent="Laptop " + "x" * 600)

    response = client.get("/auth/sessions", headers=bearer(laptop))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    newest, oldest = response.json()
    assert set(newest) == {
        "id",
        "created_at",
        "last_used_at",
        "expires_at",
        "user_agent",
        "amr",
        "current",
    }
    assert newest["amr"] == oldest["amr"] == ["pwd"]
    assert (newest["current"], oldest["current"]) == (True, False)
    assert newest["user_agent"] == ("Laptop " + "x" * 600)[:512]
    assert oldest["user_agent"] == "testclient"
    assert at(oldest["created_at"]) == at(oldest["last_used_at"]) == phone_created
    assert at(newest["created_at"]) == clock.now()
    assert at(newest["expires_at"]) == clock.now() + REFRESH_TTL
    assert all(s["created_at"].endswith("Z") for s in (newest, oldest))
    assert uuid.UUID(newest["id"]) != uuid.UUID(oldest["id"])
    assert session_id_of(client, phone) == oldest["id"]


def test_a_refresh_moves_last_used_at_and_expires_at_on(client, clock):
    registered_id = session_id_of(client, register(client))
    clock.advance(hours=5)

    [listed] = sessions(client, refresh(client))

    assert at(listed["last_used_at"]) == clock.now()
    assert at(listed["expires_at"]) == clock.now() + REFRESH_TTL
    assert listed["current"] is True
    assert listed["id"] == registered_id


def test_logged_out_and_expired_sessions_are_not_listed(client, clock):
    register(client)  # idle from now on: it expires after AUTH_REFRESH_TTL
    clock.advance(seconds=REFRESH_TTL.total_seconds() - 60)
    login(client)
    assert client.post("/auth/logout", headers={"X-Requested-With": "x"}).status_code == 204
    clock.advance(seconds=60)
    current = login(client)

    listed = sessions(client, current)

    assert [(s["current"], at(s["created_at"])) for s in listed] == [(True, clock.now())]


def test_other_accounts_sessions_are_not_listed(client):
    register(client, email=GRACE)
    ada = register(client)

    assert [s["current"] for s in sessions(client, ada)] == [True]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/auth/sessions"),
        ("POST", "/auth/logout-all"),
        # A fixed id: every pytest-xdist worker must collect the same test ids.
        ("DELETE", f"/auth/sessions/{uuid.UUID(int=1)}"),
    ],
)
def test_the_session_endpoints_need_a_bearer_access_token(client, method, path):
    cookie = cookie_value(register(client))

    missing = client.request(method, path)
    refresh_token = client.request(method, path, headers={"Authorization": f"Bearer {cookie}"})

    assert_problem(missing, 401, "invalid-token")
    assert missing.headers["www-authenticate"] == "Bearer"
    assert_problem(refresh_token, 401, "invalid-token")
    assert refresh_token.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_deleting_another_of_ones_sessions_ends_it_and_leaves_this_cookie_alone(client):
    phone = register(client)
    laptop = login(client)
    phone_id = session_id_of(client, phone)

    response = client.delete(f"/auth/sessions/{phone_id}", headers=bearer(laptop))

    assert response.status_code == 204
    assert "set-cookie" not in response.headers
    assert [s["current"] for s in sessions(client, laptop)] == [True]
    use_cookie(client, cookie_value(phone))
    assert_problem(refresh(client), 401, "invalid-token")
    use_cookie(client, cookie_value(laptop))
    assert refresh(client).status_code == 200


def test_deleting_the_current_session_clears_the_cookie(client):
    registered = register(client)

    response = client.delete(
        f"/auth/sessions/{session_id_of(client, registered)}", headers=bearer(registered)
    )

    assert response.status_code == 204
    assert_cookie_cleared(response)
    use_cookie(client, cookie_value(registered))
    assert_problem(refresh(client), 401, "invalid-token")


def test_a_session_of_someone_else_looks_exactly_like_one_that_does_not_exist(client):
    grace = register(client, email=GRACE)
    grace_id = session_id_of(client, grace)
    ada = register(client)

    answers = [
        client.delete(f"/auth/sessions/{candidate}", headers=bearer(ada))
        for candidate in (grace_id, uuid.uuid4(), "not-a-session-id", "1234", grace_id.upper())
    ]

    for answer in answers:
        assert_problem(answer, 404, "not-found")
        assert "set-cookie" not in answer.headers
    assert len({answer.text for answer in answers}) == 1
    use_cookie(client, cookie_value(grace))
    assert refresh(client).status_code == 200


def test_a_session_can_be_deleted_once(client):
    phone = register(client)
    laptop = login(client)
    phone_id = session_id_of(client, phone)

    assert client.delete(f"/auth/sessions/{phone_id}", headers=bearer(laptop)).status_code == 204
    again = client.delete(f"/auth/sessions/{phone_id}", headers=bearer(laptop))

    assert_problem(again, 404, "not-found")


def test_logout_all_revokes_every_session_and_clears_the_cookie(client):
    phone = register(client)
    laptop = login(client)
    grace = register(client, email=GRACE)

    response = client.post("/auth/logout-all", headers=bearer(laptop))

    assert response.status_code == 204
    assert_cookie_cleared(response)
    for revoked in (phone, laptop):
        use_cookie(client, cookie_value(revoked))
        assert_problem(refresh(client), 401, "invalid-token")
        # Their access tokens died with them: logout-all is a credential change.
        assert_problem(client.get("/auth/sessions", headers=bearer(revoked)), 401, "invalid-token")
    assert [s["current"] for s in sessions(client, login(client))] == [True]
    assert len(sessions(client, grace)) == 1
    use_cookie(client, cookie_value(grace))
    assert refresh(client).status_code == 200


def test_logout_all_works_without_a_cookie_and_refuses_its_token_afterwards(client):
    registered = register(client)
    client.cookies.clear()

    first = client.post("/auth/logout-all", headers=bearer(registered))
    second = client.post("/auth/logout-all", headers=bearer(registered))

    assert first.status_code == 204
    assert "Max-Age=0" in set_cookie_header(first).split("; ")
    assert_problem(second, 401, "invalid-token")  # the caller's access token died too


def test_the_openapi_document_describes_the_account_endpoints(client):
    paths = client.get("/schema/openapi.json").json()["paths"]

    assert paths["/auth/logout-all"]["post"]["security"] == [{"BearerToken": []}]
    listing = paths["/auth/sessions"]["get"]
    assert listing["security"] == [{"BearerToken": []}]
    assert "idle expiry" in listing["description"]
    assert "404" in paths["/auth/sessions/{session_id}"]["delete"]["responses"]
    password = paths["/auth/password"]["post"]
    assert {"200", "401", "403", "422"} <= set(password["responses"])
