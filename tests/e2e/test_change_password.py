"""POST /auth/password over HTTP."""

from __future__ import annotations

import logging

from dependency_injector import providers
from prometheus_client import REGISTRY

from entrypoints.http.app import create_app
from tests.e2e.conftest import (
    CSRF,
    PASSWORD,
    bearer,
    cookie_value,
    refresh,
    register,
    settings_for,
    use_cookie,
)
from tests.e2e.peers import PeerTestClient
from tests.e2e.test_register_and_login import assert_problem

NEW_PASSWORD = "a brand new passphrase for ada"
ADA = "ada@example.com"


def change(client, signed_in, current: str = PASSWORD, new: str = NEW_PASSWORD, **headers: str):
    return client.post(
        "/auth/password",
        json={"current_password": current, "new_password": new},
        headers={**bearer(signed_in), **headers},
    )


def login(client, password: str):
    return client.post("/auth/login", json={"email": ADA, "password": password})


def test_changing_the_password_signs_in_afresh_and_ends_every_other_session(client):
    phone = register(client)
    laptop = login(client, PASSWORD)

    response = change(client, laptop, **{"User-Agent": "Laptop"})

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["user"] == laptop.json()["user"]
    assert NEW_PASSWORD not in response.text
    me = client.get("/users/me", headers=bearer(response))
    assert me.status_code == 200
    [fresh] = client.get("/auth/sessions", headers=bearer(response)).json()
    assert (fresh["current"], fresh["user_agent"]) == (True, "Laptop")
    for old in (phone, laptop):
        use_cookie(client, cookie_value(old))
        assert_problem(refresh(client), 401, "invalid-token")
    use_cookie(client, cookie_value(response))
    assert refresh(client).status_code == 200


def test_after_a_change_only_the_new_password_signs_in(client):
    change(client, register(client))

    assert_problem(login(client, PASSWORD), 401, "invalid-credentials")
    assert login(client, NEW_PASSWORD).status_code == 200


def test_a_wrong_current_password_is_403_and_changes_nothing(client):
    registered = register(client)

    response = change(client, registered, current="not the password, though long")

    assert_problem(response, 403, "invalid-credentials")
    assert "set-cookie" not in response.headers
    assert refresh(client).status_code == 200  # the session lives on
    assert login(client, PASSWORD).status_code == 200
    assert_problem(login(client, NEW_PASSWORD), 401, "invalid-credentials")


def test_a_weak_new_password_is_422_naming_the_field_and_changes_nothing(client):
    registered = register(client)

    response = change(client, registered, new="too short")

    body = assert_problem(response, 422, "validation-error")
    assert [error["field"] for error in body["errors"]] == ["new_password"]
    assert refresh(client).status_code == 200
    assert login(client, PASSWORD).status_code == 200


def test_a_new_password_equal_to_the_email_is_refused(client):
    registered = register(client)

    body = assert_problem(
        change(client, registered, new="ADA@example.com"), 422, "validation-error"
    )

    assert body["errors"][0]["field"] == "new_password"


def test_a_body_without_both_fields_is_400(client):
    registered = register(client)

    response = client.post(
        "/auth/password", json={"new_password": NEW_PASSWORD}, headers=bearer(registered)
    )

    assert_problem(response, 400, "validation-error")


def test_changing_the_password_needs_a_bearer_access_token(client):
    register(client)

    response = client.post(
        "/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=CSRF,
    )

    assert_problem(response, 401, "invalid-token")
    assert response.headers["www-authenticate"] == "Bearer"
    assert login(client, PASSWORD).status_code == 200


def test_a_body_over_16_kib_is_413(client):
    registered = register(client)

    response = change(client, registered, new="x" * (17 * 1024))

    assert_problem(response, 413, "payload-too-large")


def wrong_current_passwords_counted() -> float:
    labels = {"reason": "wrong_current_password"}
    return REGISTRY.get_sample_value("hexauth_login_failures_total", labels) or 0.0


def test_wrong_current_passwords_count_as_failed_logins_and_are_security_events(
    container, database_url, caplog
):
    container.settings.override(providers.Object(settings_for(database_url, login_max_failures=3)))
    counted = wrong_current_passwords_counted()
    caplog.set_level(logging.INFO, logger="hexauth.security")
    with PeerTestClient(create_app(container), peer="203.0.113.10") as client:
        registered = register(client)
        for _ in range(3):
            assert_problem(
                change(client, registered, current="a guess, but long"), 403, "invalid-credentials"
            )

        throttled = change(client, registered)  # the right password, past the limit
        at_login = login(client, PASSWORD)
        client.peer = "198.51.100.20"
        elsewhere = login(client, PASSWORD)

    for response in (throttled, at_login):
        assert_problem(response, 429, "too-many-requests")
        assert 1 <= int(response.headers["retry-after"]) <= 900
        assert "set-cookie" not in response.headers
    assert elsewhere.status_code == 200
    assert wrong_current_passwords_counted() == counted + 3
    events = [(r.event, r.client_ip, r.reason) for r in caplog.records if hasattr(r, "event")]
    assert events.count(("reauthentication_failed", "203.0.113.10", "change_password")) == 3
    assert ("reauthentication_throttled", "203.0.113.10", "change_password") in events
