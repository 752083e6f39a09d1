"""Security events are logged as structured records naming the user, the client address and the
request, and never a password, a token, a key or a hash; and login answers alike whether or not
the email has an account."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from dependency_injector import providers

from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.http.request_id import RequestIdLogFilter
from tests.e2e.conftest import CSRF, PASSWORD, cookie_value, settings_for, use_cookie
from tests.e2e.peers import PeerTestClient
from tests.e2e.test_register_and_login import assert_problem

HOME, TRAVEL = "203.0.113.10", "198.51.100.20"
WRONG = "not the password, but long"


@pytest.fixture
def client(container: Container, database_url: str) -> Iterator[PeerTestClient]:
    container.settings.override(providers.Object(settings_for(database_url, login_max_failures=2)))
    with PeerTestClient(create_app(container), peer=HOME) as client:
        yield client


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record, through the request-id filter that the process's log handlers carry."""
    caplog.handler.addFilter(RequestIdLogFilter())
    caplog.set_level(logging.INFO)
    return caplog


def login(client, password: str, request_id: str, email: str = "ada@example.com"):
    return client.post(
        "/auth/login",
        json={"email": email, "password": password},
        headers={"X-Request-ID": request_id},
    )


def test_a_whole_flow_is_logged_with_ids_and_without_secrets(client, clock, container, logs):
    registered = client.post(
        "/auth/register",
        json={"email": "ada@example.com", "password": PASSWORD},
        headers={"X-Request-ID": "req-register"},
    )
    first_cookie = cookie_value(registered)
    assert login(client, WRONG, "req-fail-1").status_code == 401
    assert login(client, WRONG, "req-fail-2").status_code == 401
    assert_problem(login(client, PASSWORD, "req-throttled"), 429, "too-many-requests")
    refreshed = client.post("/auth/refresh", headers={**CSRF, "X-Request-ID": "req-refresh"})
    use_cookie(client, first_cookie)
    replayed = client.post("/auth/refresh", headers={**CSRF, "X-Request-ID": "req-replay"})
    clock.advance(seconds=6)  # past the reuse grace
    use_cookie(client, first_cookie)
    reused = client.post("/auth/refresh", headers={**CSRF, "X-Request-ID": "req-reuse"})
    client.peer = TRAVEL
    signed_in = login(client, PASSWORD, "req-login")
    client.post("/auth/logout", headers={**CSRF, "X-Request-ID": "req-logout"})

    assert (refreshed.status_code, replayed.status_code) == (200, 200)
    assert (reused.status_code, signed_in.status_code) == (401, 200)
    user_id = registered.json()["user"]["id"]
    events = [
        (r.event, r.request_id, r.client_ip, r.user_id)
        for r in logs.records
        if r.name == "hexauth.security"
    ]
    assert events == [
        ("registered", "req-register", HOME, user_id),
        ("login_failed", "req-fail-1", HOME, user_id),
        ("login_failed", "req-fail-2", HOME, user_id),
        ("login_throttled", "req-throttled", HOME, None),
        ("refreshed", "req-refresh", HOME, user_id),
        ("refresh_replayed", "req-replay", HOME, user_id),
        ("refresh_reuse_detected", "req-reuse", HOME, user_id),
        ("login_succeeded", "req-login", TRAVEL, user_id),
        ("session_revoked", "req-logout", TRAVEL, user_id),
    ]
    [replay] = [r for r in logs.records if getattr(r, "event", None) == "refresh_replayed"]
    [rotation] = [r for r in logs.records if getattr(r, "event", None) == "refreshed"]
    assert replay.session_id == rotation.session_id is not None
    secrets = [
        PASSWORD,
        WRONG,
        first_cookie,
        cookie_value(refreshed),
        cookie_value(replayed),
        replayed.json()["access_token"],
        cookie_value(signed_in),
        registered.json()["access_token"],
        refreshed.json()["access_token"],
        signed_in.json()["access_token"],
        container.settings().auth_keys.split(":", 1)[1],
        "$argon2",
    ]
    everything = logs.text + " ".join(str(vars(r)) for r in logs.records)
    leaked = [secret[:12] for secret in secrets if secret in everything]
    assert leaked == []


def test_unknown_email_and_wrong_password_each_do_exactly_one_password_verification(
    client, container
):
    client.post("/auth/register", json={"email": "ada@example.com", "password": PASSWORD})
    hasher = container.password_hasher()
    calls: list[str] = []
    verify, imitate = hasher.verify, hasher.imitate_verify

    async def counting_verify(password_hash, password):
        calls.append("verify")
        return await verify(password_hash, password)

    async def counting_imitate(password):
        calls.append("imitate")
        await imitate(password)

    hasher.verify, hasher.imitate_verify = counting_verify, counting_imitate

    wrong = login(client, WRONG, "r1")
    after_wrong = list(calls)
    unknown = login(client, WRONG, "r2", email="grace@example.com")

    assert after_wrong == ["verify"]
    assert calls == ["verify", "imitate"]
    assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())
