"""A disabled or deleted account is refused everywhere, over HTTP."""

from __future__ import annotations

import pytest

from tests.e2e.backstage import set_active, sql
from tests.e2e.conftest import CSRF, PASSWORD, bearer, cookie_value, refresh, register, use_cookie
from tests.e2e.test_register_and_login import assert_problem
from tests.e2e.test_tokens_and_sessions import assert_cookie_cleared

ADA = "ada@example.com"
NEW_PASSWORD = "a brand new passphrase for ada"


def bearer_requests(session_id: str) -> list[tuple[str, str, dict | None]]:
    """Every endpoint an access token opens, with a request that would otherwise succeed."""
    return [
        ("GET", "/users/me", None),
        ("GET", "/auth/sessions", None),
        ("GET", "/auth/sessions/count", None),
        ("POST", "/auth/logout-all", None),
        ("DELETE", f"/auth/sessions/{session_id}", None),
        ("POST", "/auth/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        ("POST", "/auth/email/verify/send", None),
        ("DELETE", "/users/me", {"password": PASSWORD}),
        ("GET", "/auth/passkeys", None),
        ("POST", "/auth/passkeys/register/options", {"password": PASSWORD}),
    ]


def assert_every_bearer_endpoint_refuses(client, signed_in, session_id: str) -> None:
    for method, path, body in bearer_requests(session_id):
        response = client.request(method, path, json=body, headers=bearer(signed_in))
        assert_problem(response, 401, "invalid-token")
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"', path
        assert "set-cookie" not in response.headers, path


def current_session_id(client, signed_in) -> str:
    response = client.get("/auth/sessions", headers=bearer(signed_in))
    [current] = [s for s in response.json() if s["current"]]
    return current["id"]


def login(client, password: str = PASSWORD):
    return client.post("/auth/login", json={"email": ADA, "password": password})


def test_a_disabled_account_is_refused_at_login_only_after_the_right_password(client, container):
    register(client)
    set_active(client, container, ADA, False)

    assert_problem(login(client), 403, "account-disabled")
    assert_problem(login(client, "a wrong password, long enough"), 401, "invalid-credentials")


def test_disabling_revokes_the_sessions_so_refresh_is_401_and_clears_the_cookie(client, container):
    registered = register(client)

    activity = set_active(client, container, ADA, False)

    assert activity.sessions_revoked == 1
    response = refresh(client)
    assert_problem(response, 401, "invalid-token")
    assert_cookie_cleared(response)
    use_cookie(client, cookie_value(registered))
    set_active(client, container, ADA, True)
    assert_problem(refresh(client), 401, "invalid-token")  # enabling brings no session back
    assert login(client).status_code == 200


def test_a_disabled_accounts_access_tokens_are_refused_at_every_bearer_endpoint(client, container):
    registered = register(client)
    session_id = current_session_id(client, registered)

    set_active(client, container, ADA, False)

    assert_every_bearer_endpoint_refuses(client, registered, session_id)
    assert login(client, NEW_PASSWORD).status_code == 401  # the password change did not happen


def test_an_account_disabled_behind_the_services_back_cannot_refresh(client, container):
    register(client)
    # An operator's UPDATE that revokes nothing: refresh itself must look at the account.
    sql(
        client,
        container,
        "UPDATE users SET is_active = :no WHERE email = :email",
        no=False,
        email=ADA,
    )

    response = refresh(client)

    assert_problem(response, 401, "invalid-token")
    assert_cookie_cleared(response)


def test_enabling_again_lets_the_access_tokens_of_a_new_login_through(client, container):
    register(client)
    set_active(client, container, ADA, False)
    set_active(client, container, ADA, True)

    again = login(client)

    assert again.status_code == 200
    assert client.get("/users/me", headers=bearer(again)).status_code == 200


def test_a_deleted_accounts_tokens_are_refused_everywhere(client, container):
    registered = register(client)
    session_id = current_session_id(client, registered)

    sql(client, container, "DELETE FROM users WHERE email = :email", email=ADA)

    assert_every_bearer_endpoint_refuses(client, registered, session_id)
    response = refresh(client)
    assert_problem(response, 401, "invalid-token")
    assert_cookie_cleared(response)
    assert client.post("/auth/logout", headers=CSRF).status_code == 204


@pytest.mark.parametrize("account", ["disabled", "deleted"])
def test_an_account_gone_or_disabled_changes_nothing_for_other_accounts(client, container, account):
    grace = register(client, email="grace@example.com")
    register(client)
    if account == "disabled":
        set_active(client, container, ADA, False)
    else:
        sql(client, container, "DELETE FROM users WHERE email = :email", email=ADA)

    assert client.get("/users/me", headers=bearer(grace)).status_code == 200
    use_cookie(client, cookie_value(grace))
    assert refresh(client).status_code == 200
