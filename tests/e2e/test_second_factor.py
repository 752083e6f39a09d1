"""TOTP and recovery codes through the app (docs/api.md "Second factor"), on each database."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from application.throttling import LoginLimits
from entrypoints.http.app import create_app
from tests.e2e.backstage import set_active
from tests.e2e.conftest import PASSWORD, bearer, register, set_cookie_header
from tests.e2e.peers import PeerTestClient
from tests.fakes.security import FixedClock
from tests.second_factor_steps import code_at

EMAIL = "ada@example.com"
NEW_PASSWORD = "a brand new passphrase for ada"


def enable(client: TestClient, clock: FixedClock, signed) -> tuple[str, list[str]]:
    """Set up and confirm TOTP; the clock then moves on a step, past the confirming code."""
    setup = client.post("/auth/mfa/totp/setup", json={"password": PASSWORD}, headers=bearer(signed))
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    confirm = client.post(
        "/auth/mfa/totp/confirm",
        json={"code": code_at(secret, clock.now())},
        headers=bearer(signed),
    )
    assert confirm.status_code == 200, confirm.text
    clock.advance(seconds=30)
    return secret, confirm.json()["recovery_codes"]


def login(client: TestClient, password: str = PASSWORD, **headers: str):
    return client.post("/auth/login", json={"email": EMAIL, "password": password}, headers=headers)


def mfa_token(client: TestClient) -> str:
    response = login(client)
    assert response.status_code == 403, response.text
    return str(response.json()["mfa_token"])


def login_mfa(client: TestClient, body: dict, **headers: str):
    return client.post("/auth/login/mfa", json=body, headers=headers)


def test_setup_shows_a_160_bit_secret_and_its_uri_and_changes_nothing_until_confirmed(
    client, clock
):
    signed = register(client)

    setup = client.post("/auth/mfa/totp/setup", json={"password": PASSWORD}, headers=bearer(signed))

    body = setup.json()
    assert setup.status_code == 200
    assert len(base64.b32decode(body["secret"])) == 20
    assert body["otpauth_uri"].startswith("otpauth://totp/hexauth:ada%40example.com?secret=")
    assert "issuer=hexauth" in body["otpauth_uri"]
    assert setup.headers["cache-control"] == "no-store"
    status = client.get("/auth/mfa", headers=bearer(signed)).json()
    assert status == {"totp": False, "recovery_codes_left": 0, "passkeys": 0}
    assert login(client).status_code == 200


def test_a_new_setup_replaces_a_pending_one(client, clock):
    signed = register(client)
    first = client.post("/auth/mfa/totp/setup", json={"password": PASSWORD}, headers=bearer(signed))
    second = client.post(
        "/auth/mfa/totp/setup", json={"password": PASSWORD}, headers=bearer(signed)
    )
    old_code = code_at(first.json()["secret"], clock.now())

    refused = client.post("/auth/mfa/totp/confirm", json={"code": old_code}, headers=bearer(signed))
    confirmed = client.post(
        "/auth/mfa/totp/confirm",
        json={"code": code_at(second.json()["secret"], clock.now())},
        headers=bearer(signed),
    )

    assert refused.status_code == 400
    assert refused.json()["type"] == "urn:hexauth:problem:invalid-code"
    assert confirmed.status_code == 200


def test_confirm_returns_ten_recovery_codes_and_login_then_asks_for_a_code(client, clock):
    signed = register(client)
    _, codes = enable(client, clock, signed)

    response = login(client)

    assert len(set(codes)) == 10
    assert all(len(code.replace("-", "")) == 10 for code in codes)
    assert response.status_code == 403
    body = response.json()
    assert body["type"] == "urn:hexauth:problem:mfa-required"
    assert body["methods"] == ["totp", "recovery_code"]
    assert body["expires_in"] == 300
    assert len(body["mfa_token"]) >= 43
    assert "set-cookie" not in response.headers
    assert client.get("/auth/mfa", headers=bearer(signed)).json() == {
        "totp": True,
        "recovery_codes_left": 10,
        "passkeys": 0,
    }


def test_a_code_finishes_the_login_once_with_amr_pwd_otp_mfa(client, clock):
    signed = register(client)
    secret, _ = enable(client, clock, signed)
    token = mfa_token(client)

    done = login_mfa(client, {"mfa_token": token, "code": f" {code_at(secret, clock.now())} "})
    again = login_mfa(client, {"mfa_token": token, "code": code_at(secret, clock.now())})

    assert done.status_code == 200, done.text
    assert "HttpOnly" in set_cookie_header(done)
    sessions = client.get("/auth/sessions", headers=bearer(done)).json()
    current = next(s for s in sessions if s["current"])
    assert current["amr"] == ["pwd", "otp", "mfa"]
    assert again.status_code == 401
    assert again.json()["type"] == "urn:hexauth:problem:invalid-token"


def test_a_replayed_code_is_refused_even_with_a_fresh_token(client, clock):
    signed = register(client)
    secret, _ = enable(client, clock, signed)
    code = code_at(secret, clock.now())
    assert login_mfa(client, {"mfa_token": mfa_token(client), "code": code}).status_code == 200

    replayed = login_mfa(client, {"mfa_token": mfa_token(client), "code": code})
    earlier = login_mfa(
        client, {"mfa_token": mfa_token(client), "code": code_at(secret, clock.now(), -1)}
    )

    assert replayed.status_code == 401
    assert replayed.json()["type"] == "urn:hexauth:problem:invalid-credentials"
    assert earlier.status_code == 401


@pytest.mark.parametrize(("steps", "status"), [(-1, 200), (1, 200), (2, 401), (-2, 401)])
def test_one_step_of_drift_either_way_is_accepted(client, clock, steps, status):
    signed = register(client)
    secret, _ = enable(client, clock, signed)
    clock.advance(minutes=2)

    response = login_mfa(
        client, {"mfa_token": mfa_token(client), "code": code_at(secret, clock.now(), steps)}
    )

    assert response.status_code == status


def test_a_recovery_code_works_once_ignoring_case_spaces_and_hyphens(client, clock):
    signed = register(client)
    _, codes = enable(client, clock, signed)
    typed = " ".join(codes[3].replace("-", "").lower())

    done = login_mfa(client, {"mfa_token": mfa_token(client), "recovery_code": typed})
    again = login_mfa(client, {"mfa_token": mfa_token(client), "recovery_code": codes[3]})

    assert done.status_code == 200, done.text
    assert again.status_code == 401
    assert client.get("/auth/mfa", headers=bearer(done)).json()["recovery_codes_left"] == 9


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": "123456", "recovery_code": "ABCDE-FGHJK"},
        {"code": 123456},
        {"code": None},
        {"recovery_code": ["ABCDE-FGHJK"]},
    ],
)
def test_neither_both_or_a_non_string_is_400_and_counts_nothing(client, clock, body):
    signed = register(client)
    secret, _ = enable(client, clock, signed)
    token = mfa_token(client)

    for _ in range(6):
        response = login_mfa(client, {"mfa_token": token, **body})
        assert response.status_code == 400, response.text
        assert response.json()["type"] == "urn:hexauth:problem:validation-error"

    done = login_mfa(client, {"mfa_token": token, "code": code_at(secret, clock.now())})
    assert done.status_code == 200


def test_five_wrong_codes_kill_the_mfa_token(client, clock, container):
    # A looser pair limit than the default 5, which would answer 429 first (the throttle is
    # built at its first use, after this).
    container.login_limits.override(providers.Object(LoginLimits(max_failures=50)))
    signed = register(client)
    secret, _ = enable(client, clock, signed)
    token = mfa_token(client)

    wrong = [login_mfa(client, {"mfa_token": token, "code": "abc"}) for _ in range(5)]
    right = login_mfa(client, {"mfa_token": token, "code": code_at(secret, clock.now())})

    assert [r.status_code for r in wrong] == [401] * 5
    assert {r.json()["type"] for r in wrong} == {"urn:hexauth:problem:invalid-credentials"}
    assert right.status_code == 401
    assert right.json()["type"] == "urn:hexauth:problem:invalid-token"


@pytest.fixture
def peer_client(container) -> Iterator[PeerTestClient]:
    with PeerTestClient(create_app(container), peer="203.0.113.10") as client:
        yield client


def test_wrong_codes_count_as_failed_logins_and_429_comes_first(peer_client, clock):
    client = peer_client
    signed = register(client)
    secret, _ = enable(client, clock, signed)
    token = mfa_token(client)
    wrong = [login_mfa(client, {"mfa_token": token, "code": "000000"}) for _ in range(4)]
    last_token = mfa_token(client)  # mfa-required counts nothing: still 4 failures
    wrong.append(login_mfa(client, {"mfa_token": last_token, "code": "000000"}))

    right = login_mfa(client, {"mfa_token": last_token, "code": code_at(secret, clock.now())})
    password = login(client)
    client.peer = "198.51.100.20"
    elsewhere = login(client)

    assert [r.status_code for r in wrong] == [401] * 5
    assert right.status_code == 429
    assert int(right.headers["retry-after"]) >= 1
    assert password.status_code == 429
    assert elsewhere.status_code == 403


def test_ten_wrong_codes_per_account_from_any_clients_make_every_code_step_429(peer_client, clock):
    client = peer_client
    signed = register(client)
    secret, codes = enable(client, clock, signed)
    for attempt in range(10):
        client.peer = f"198.51.100.{attempt}"
        login_mfa(client, {"mfa_token": mfa_token(client), "code": "000000"})

    client.peer = "192.0.2.77"
    token = mfa_token(client)  # the password step itself is not a code step
    right = login_mfa(client, {"mfa_token": token, "code": code_at(secret, clock.now())})
    recovery = login_mfa(client, {"mfa_token": token, "recovery_code": codes[0]})
    reauthentication = client.post(
        "/auth/mfa/recovery-codes",
        json={"password": PASSWORD, "code": code_at(secret, clock.now())},
        headers=bearer(signed),
    )

    assert right.status_code == 429
    assert recovery.status_code == 429
    assert reauthentication.status_code == 429


def test_a_password_change_kills_outstanding_mfa_tokens(client, clock):
    signed = register(client)
    secret, _ = enable(client, clock, signed)
    token = mfa_token(client)

    changed = client.post(
        "/auth/password",
        json={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "code": code_at(secret, clock.now()),
        },
        headers=bearer(signed),
    )
    clock.advance(seconds=30)
    late = login_mfa(client, {"mfa_token": token, "code": code_at(secret, clock.now())})

    assert changed.status_code == 200, changed.text
    sessions = client.get("/auth/sessions", headers=bearer(changed)).json()
    assert sessions[0]["amr"] == ["pwd", "otp", "mfa"]
    assert late.status_code == 401
    assert late.json()["type"] == "urn:hexauth:problem:invalid-token"


def test_a_password_change_needs_the_code_once_totp_is_on(client, clock):
    signed = register(client)
    enable(client, clock, signed)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}

    missing = client.post("/auth/password", json=body, headers=bearer(signed))
    wrong = client.post("/auth/password", json={**body, "code": "000000"}, headers=bearer(signed))

    assert missing.status_code == 403
    assert wrong.status_code == 403
    assert wrong.json()["type"] == "urn:hexauth:problem:invalid-credentials"
    assert login(client).status_code == 403  # still the old password, still with TOTP


def test_a_disabled_account_is_refused_at_the_second_step(client, clock, container):
    signed = register(client)
    secret, _ = enable(client, clock, signed)
    token = mfa_token(client)
    set_active(client, container, EMAIL, False)

    response = login_mfa(client, {"mfa_token": token, "code": code_at(secret, clock.now())})

    assert response.status_code == 403
    assert response.json()["type"] == "urn:hexauth:problem:account-disabled"
    assert "set-cookie" not in response.headers


def test_the_second_step_refuses_cross_site_requests_and_huge_bodies(client, clock):
    signed = register(client)
    secret, _ = enable(client, clock, signed)
    token = mfa_token(client)
    body = {"mfa_token": token, "code": code_at(secret, clock.now())}

    cross_site = login_mfa(client, body, **{"Sec-Fetch-Site": "cross-site"})
    foreign = login_mfa(client, body, Origin="https://evil.example")
    huge = login_mfa(client, {**body, "padding": "x" * 17_000})
    done = login_mfa(client, body)

    assert cross_site.status_code == 403
    assert cross_site.json()["type"] == "urn:hexauth:problem:csrf-rejected"
    assert foreign.status_code == 403
    assert huge.status_code == 413
    assert done.status_code == 200


def test_setup_and_confirm_answer_their_refusals(client, clock):
    signed = register(client)
    headers = bearer(signed)

    unconfirmed = client.post("/auth/mfa/totp/confirm", json={"code": "123456"}, headers=headers)
    wrong_password = client.post(
        "/auth/mfa/totp/setup", json={"password": "not the password at all"}, headers=headers
    )
    no_token = client.post("/auth/mfa/totp/setup", json={"password": PASSWORD})
    enable(client, clock, signed)
    again = client.post("/auth/mfa/totp/setup", json={"password": PASSWORD}, headers=headers)
    confirmed = client.post("/auth/mfa/totp/confirm", json={"code": "123456"}, headers=headers)

    assert (unconfirmed.status_code, unconfirmed.json()["type"]) == (
        409,
        "urn:hexauth:problem:mfa-not-enabled",
    )
    assert (wrong_password.status_code, wrong_password.json()["type"]) == (
        403,
        "urn:hexauth:problem:invalid-credentials",
    )
    assert no_token.status_code == 401
    assert no_token.headers["www-authenticate"] == "Bearer"
    for response in (again, confirmed):
        assert (response.status_code, response.json()["type"]) == (
            409,
            "urn:hexauth:problem:mfa-already-enabled",
        )


def test_removing_totp_and_renewing_codes_need_the_password_and_a_code(client, clock):
    signed = register(client)
    secret, codes = enable(client, clock, signed)
    headers = bearer(signed)

    missing = client.post("/auth/mfa/recovery-codes", json={"password": PASSWORD}, headers=headers)
    renewed = client.post(
        "/auth/mfa/recovery-codes",
        json={"password": PASSWORD, "code": code_at(secret, clock.now())},
        headers=headers,
    )
    old_code = client.request(
        "DELETE",
        "/auth/mfa/totp",
        json={"password": PASSWORD, "recovery_code": codes[0]},
        headers=headers,
    )
    removed = client.request(
        "DELETE",
        "/auth/mfa/totp",
        json={"password": PASSWORD, "recovery_code": renewed.json()["recovery_codes"][0]},
        headers=headers,
    )
    again = client.request(
        "DELETE", "/auth/mfa/totp", json={"password": PASSWORD, "code": "123456"}, headers=headers
    )

    assert missing.status_code == 403
    assert renewed.status_code == 200
    assert len(renewed.json()["recovery_codes"]) == 10
    assert old_code.status_code == 403
    assert removed.status_code == 204, removed.text
    assert (again.status_code, again.json()["type"]) == (409, "urn:hexauth:problem:mfa-not-enabled")
    assert login(client).status_code == 200
    assert client.get("/users/me", headers=headers).status_code == 200  # tokens stay valid
