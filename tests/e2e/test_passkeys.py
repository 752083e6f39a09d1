"""Passkeys over HTTP, driven by a software authenticator (tests/support/authenticator.py)."""

from __future__ import annotations

import logging

import pytest
from dependency_injector import providers
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from domain.tokens import TokenType
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.e2e.backstage import set_active
from tests.e2e.conftest import BASE_URL, PASSWORD, bearer, cookie_value, register, settings_for
from tests.e2e.test_register_and_login import assert_problem
from tests.support.authenticator import AT, UP, SoftwareAuthenticator, b64url

PASSKEY_AMR = ["hwk", "user", "mfa"]
ADA = "ada@example.com"
RP_ID = "testserver.local"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url, app_url=BASE_URL)


@pytest.fixture
def authenticator() -> SoftwareAuthenticator:
    return SoftwareAuthenticator(rp_id=RP_ID, origin=BASE_URL)


def registration_options(client, signed_in, password: str = PASSWORD):
    return client.post(
        "/auth/passkeys/register/options", json={"password": password}, headers=bearer(signed_in)
    )


def add_passkey(client, signed_in, authenticator, **create_options):
    """Register `authenticator`'s credential; return the finishing response."""
    options = registration_options(client, signed_in)
    assert options.status_code == 200, options.text
    body = options.json()
    credential = authenticator.create(body["publicKey"], **create_options)
    return client.post(
        "/auth/passkeys/register",
        json={"ceremony": body["ceremony"], "credential": credential},
        headers=bearer(signed_in),
    )


def login_options(client, **headers: str):
    return client.post("/auth/passkeys/login/options", headers=headers)


def sign_in(client, authenticator, **get_options):
    options = login_options(client)
    assert options.status_code == 200, options.text
    body = options.json()
    credential = authenticator.get(body["publicKey"], **get_options)
    return client.post(
        "/auth/passkeys/login", json={"ceremony": body["ceremony"], "credential": credential}
    )


def test_a_registered_passkey_signs_in_with_the_passkey_amr(client, container, authenticator):
    ada = register(client)

    added = add_passkey(client, ada, authenticator)

    assert added.status_code == 201, added.text
    passkey = added.json()
    assert (passkey["name"], passkey["last_used_at"]) == ("Passkey", None)
    assert b64url(authenticator.credential_id) not in added.text
    client.cookies.clear()
    response = sign_in(client, authenticator)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["user"] == ada.json()["user"]
    assert cookie_value(response)
    claims = container.token_codec().decode(response.json()["access_token"], TokenType.ACCESS)
    assert [method.value for method in claims.amr] == PASSKEY_AMR
    sessions = client.get("/auth/sessions", headers=bearer(response)).json()
    assert [s["amr"] for s in sessions if s["current"]] == [PASSKEY_AMR]
    [listed] = client.get("/auth/passkeys", headers=bearer(response)).json()
    assert listed["id"] == passkey["id"]
    assert listed["last_used_at"] is not None
    assert client.get("/auth/mfa", headers=bearer(response)).json()["passkeys"] == 1


def test_the_options_are_the_webauthn_json_forms_the_contract_names(client, authenticator):
    ada = register(client)
    first = add_passkey(client, ada, authenticator)
    assert first.status_code == 201, first.text

    creation = registration_options(client, ada).json()["publicKey"]
    request = login_options(client).json()["publicKey"]

    assert creation["rp"] == {"id": RP_ID, "name": "hexauth"}
    assert creation["authenticatorSelection"]["residentKey"] == "required"
    assert creation["authenticatorSelection"]["userVerification"] == "required"
    assert creation["attestation"] == "none"
    assert [c["id"] for c in creation["excludeCredentials"]] == [
        b64url(authenticator.credential_id)
    ]
    assert "=" not in creation["challenge"]
    assert request["rpId"] == RP_ID
    assert request["userVerification"] == "required"
    assert "allowCredentials" not in request


def test_a_wrong_password_at_the_options_is_403_and_begins_nothing(client):
    ada = register(client)

    assert_problem(
        registration_options(client, ada, "not the password"), 403, "invalid-credentials"
    )


@pytest.mark.parametrize(
    "wrong", [{"origin": "https://evil.example"}, {"rp_id": "evil.example"}, {"flags": UP | AT}]
)
def test_a_registration_from_another_origin_rp_or_without_user_verification_is_refused(
    client, authenticator, wrong
):
    ada = register(client)

    assert_problem(add_passkey(client, ada, authenticator, **wrong), 400, "invalid-passkey")
    assert client.get("/auth/passkeys", headers=bearer(ada)).json() == []


def test_a_registration_ceremony_is_used_once(client, authenticator):
    ada = register(client)
    body = registration_options(client, ada).json()
    credential = authenticator.create(body["publicKey"])
    finish = {"ceremony": body["ceremony"], "credential": credential}

    first = client.post("/auth/passkeys/register", json=finish, headers=bearer(ada))
    again = client.post("/auth/passkeys/register", json=finish, headers=bearer(ada))

    assert first.status_code == 201, first.text
    assert_problem(again, 400, "invalid-passkey")


def test_an_expired_registration_ceremony_is_refused(client, clock, authenticator):
    ada = register(client)
    body = registration_options(client, ada).json()
    clock.advance(seconds=301)

    response = client.post(
        "/auth/passkeys/register",
        json={"ceremony": body["ceremony"], "credential": authenticator.create(body["publicKey"])},
        headers=bearer(ada),
    )

    assert_problem(response, 400, "invalid-passkey")


def test_another_accounts_registration_ceremony_is_refused(client, authenticator):
    ada = register(client)
    bob = register(client, email="bob@example.com")
    body = registration_options(client, ada).json()

    response = client.post(
        "/auth/passkeys/register",
        json={"ceremony": body["ceremony"], "credential": authenticator.create(body["publicKey"])},
        headers=bearer(bob),
    )

    assert_problem(response, 400, "invalid-passkey")


def test_a_credential_already_registered_is_refused(client, authenticator):
    ada = register(client)
    bob = register(client, email="bob@example.com")
    assert add_passkey(client, ada, authenticator).status_code == 201

    assert_problem(add_passkey(client, ada, authenticator), 400, "invalid-passkey")
    assert_problem(add_passkey(client, bob, authenticator), 400, "invalid-passkey")
    assert client.get("/auth/passkeys", headers=bearer(bob)).json() == []


@pytest.mark.parametrize(
    "wrong",
    [
        {"origin": "https://evil.example"},
        {"rp_id": "evil.example"},
        {"flags": UP},  # no user verification
    ],
)
def test_a_sign_in_from_another_origin_rp_or_without_user_verification_is_401(
    client, authenticator, wrong
):
    assert add_passkey(client, register(client), authenticator).status_code == 201

    assert_problem(sign_in(client, authenticator, **wrong), 401, "invalid-credentials")


def test_a_bad_signature_or_an_unknown_credential_is_401(client, authenticator):
    assert add_passkey(client, register(client), authenticator).status_code == 201
    stranger = SoftwareAuthenticator(rp_id=RP_ID, origin=BASE_URL)

    forged = sign_in(client, authenticator, key=stranger.key)
    unknown = sign_in(client, stranger)

    assert_problem(forged, 401, "invalid-credentials")
    assert forged.json() == {**unknown.json(), "status": 401}
    assert "set-cookie" not in forged.headers


def test_a_sign_in_ceremony_is_used_once(client, authenticator):
    assert add_passkey(client, register(client), authenticator).status_code == 201
    body = login_options(client).json()
    finish = {"ceremony": body["ceremony"], "credential": authenticator.get(body["publicKey"])}

    assert client.post("/auth/passkeys/login", json=finish).status_code == 200
    assert_problem(client.post("/auth/passkeys/login", json=finish), 401, "invalid-credentials")


def test_an_expired_sign_in_ceremony_is_401(client, clock, authenticator):
    assert add_passkey(client, register(client), authenticator).status_code == 201
    body = login_options(client).json()
    clock.advance(seconds=301)

    response = client.post(
        "/auth/passkeys/login",
        json={"ceremony": body["ceremony"], "credential": authenticator.get(body["publicKey"])},
    )

    assert_problem(response, 401, "invalid-credentials")


def test_a_counter_that_goes_backwards_is_refused_and_logged(client, authenticator, caplog):
    assert add_passkey(client, register(client), authenticator).status_code == 201
    assert sign_in(client, authenticator).status_code == 200  # the counter is now 2

    with caplog.at_level(logging.WARNING, logger="hexauth.security"):
        response = sign_in(client, authenticator, sign_count=1)

    assert_problem(response, 401, "invalid-credentials")
    assert "passkey_counter_regressed" in {getattr(r, "event", None) for r in caplog.records}
    assert sign_in(client, authenticator).status_code == 200  # the real key goes on counting


def test_a_synced_passkey_reporting_0_signs_in_every_time(client):
    synced = SoftwareAuthenticator(rp_id=RP_ID, origin=BASE_URL, synced=True)
    assert add_passkey(client, register(client), synced).status_code == 201

    assert [sign_in(client, synced).status_code for _ in range(3)] == [200, 200, 200]


def test_passkeys_are_listed_newest_first_and_removed_by_their_owner_only(
    client, clock, authenticator
):
    ada = register(client)
    bob = register(client, email="bob@example.com")
    laptop = add_passkey(client, ada, authenticator).json()
    clock.advance(seconds=1)
    phone_key = SoftwareAuthenticator(rp_id=RP_ID, origin=BASE_URL)
    phone = add_passkey(client, ada, phone_key).json()

    listed = client.get("/auth/passkeys", headers=bearer(ada))

    assert [p["id"] for p in listed.json()] == [phone["id"], laptop["id"]]
    assert listed.headers["cache-control"] == "no-store"
    for other in (f"/auth/passkeys/{laptop['id']}", "/auth/passkeys/not-a-uuid"):
        assert_problem(client.delete(other, headers=bearer(bob)), 404, "not-found")
    assert client.delete(f"/auth/passkeys/{laptop['id']}", headers=bearer(ada)).status_code == 204
    assert_problem(
        client.delete(f"/auth/passkeys/{laptop['id']}", headers=bearer(ada)), 404, "not-found"
    )
    assert [p["id"] for p in client.get("/auth/passkeys", headers=bearer(ada)).json()] == [
        phone["id"]
    ]
    assert_problem(sign_in(client, authenticator), 401, "invalid-credentials")


@pytest.mark.parametrize(("name", "status"), [("", 422), ("x" * 65, 422), ("x" * 64, 201)])
def test_a_passkey_name_is_1_to_64_characters(client, authenticator, name, status):
    ada = register(client)
    body = registration_options(client, ada).json()

    response = client.post(
        "/auth/passkeys/register",
        json={
            "ceremony": body["ceremony"],
            "credential": authenticator.create(body["publicKey"]),
            "name": name,
        },
        headers=bearer(ada),
    )

    assert response.status_code == status, response.text
    if status == 422:
        assert assert_problem(response, 422, "validation-error")["errors"][0]["field"] == "name"
    else:
        assert response.json()["name"] == name


def padded(credential: dict) -> dict:
    return {**credential, "rawId": credential["rawId"] + "="}


def test_a_credential_not_in_the_to_json_shape_is_400_and_spends_nothing(client, authenticator):
    ada = register(client)
    body = registration_options(client, ada).json()
    credential = authenticator.create(body["publicKey"])

    for bad in (padded(credential), {**credential, "response": "x"}, {"id": 1}):
        response = client.post(
            "/auth/passkeys/register",
            json={"ceremony": body["ceremony"], "credential": bad},
            headers=bearer(ada),
        )
        assert_problem(response, 400, "validation-error")
    finish = {"ceremony": body["ceremony"], "credential": credential}
    assert (
        client.post("/auth/passkeys/register", json=finish, headers=bearer(ada)).status_code == 201
    )

    sign_in_body = login_options(client).json()
    assertion = authenticator.get(sign_in_body["publicKey"])
    bad_login = client.post(
        "/auth/passkeys/login",
        json={"ceremony": sign_in_body["ceremony"], "credential": padded(assertion)},
    )
    assert_problem(bad_login, 400, "validation-error")
    good_login = client.post(
        "/auth/passkeys/login", json={"ceremony": sign_in_body["ceremony"], "credential": assertion}
    )
    assert good_login.status_code == 200, good_login.text


def test_login_options_and_failed_sign_ins_count_per_client_ip(database_url, container):
    container.settings.override(
        providers.Object(settings_for(database_url, app_url=BASE_URL, login_max_failures_per_ip=3))
    )
    stranger = SoftwareAuthenticator(rp_id=RP_ID, origin=BASE_URL)
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        assert login_options(client).status_code == 200
        assert_problem(sign_in(client, stranger), 401, "invalid-credentials")  # 2 options + 1

        throttled = login_options(client)

        assert_problem(throttled, 429, "too-many-requests")
        assert int(throttled.headers["retry-after"]) > 0
        assert_problem(
            client.post("/auth/login", json={"email": "ada@example.com", "password": PASSWORD}),
            429,
            "too-many-requests",
        )


@pytest.mark.parametrize("path", ["/auth/passkeys/login/options", "/auth/passkeys/login"])
def test_cross_site_passkey_sign_ins_are_refused(client, path):
    response = client.post(path, json={}, headers={"Sec-Fetch-Site": "cross-site"})

    assert_problem(response, 403, "csrf-rejected")


def test_deleting_the_account_removes_its_passkeys(client, authenticator):
    ada = register(client)
    assert add_passkey(client, ada, authenticator).status_code == 201

    deleted = client.request(
        "DELETE", "/users/me", json={"password": PASSWORD}, headers=bearer(ada)
    )

    assert deleted.status_code == 204, deleted.text
    assert_problem(sign_in(client, authenticator), 401, "invalid-credentials")


def test_a_disabled_account_cannot_sign_in_with_its_passkey(client, container, authenticator):
    assert add_passkey(client, register(client), authenticator).status_code == 201
    set_active(client, container, ADA, False)

    assert_problem(sign_in(client, authenticator), 403, "account-disabled")


def passkey_events(event: str) -> float:
    return REGISTRY.get_sample_value("hexauth_passkey_events_total", {"event": event}) or 0.0


def test_passkey_events_are_counted(client, authenticator):
    before = {e: passkey_events(e) for e in ("passkey_registered", "passkey_sign_in_succeeded")}

    assert add_passkey(client, register(client), authenticator).status_code == 201
    assert sign_in(client, authenticator).status_code == 200

    assert {e: passkey_events(e) - n for e, n in before.items()} == {
        "passkey_registered": 1.0,
        "passkey_sign_in_succeeded": 1.0,
    }


def test_passkey_events_are_logged_without_credential_ids_challenges_or_ceremonies(
    client, authenticator, caplog
):
    caplog.set_level(logging.DEBUG)
    ada = register(client)
    options = registration_options(client, ada).json()
    added = client.post(
        "/auth/passkeys/register",
        json={
            "ceremony": options["ceremony"],
            "credential": authenticator.create(options["publicKey"]),
        },
        headers=bearer(ada),
    )
    assert added.status_code == 201, added.text
    assert sign_in(client, authenticator, sign_count=0).status_code == 401  # a regression
    assert sign_in(client, authenticator).status_code == 200

    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    events = {getattr(r, "event", None) for r in caplog.records}
    assert {
        "passkey_registered",
        "passkey_counter_regressed",
        "passkey_sign_in_succeeded",
    } <= events
    credential_id = authenticator.credential_id
    for secret in (b64url(credential_id), credential_id.hex(), str(credential_id)):
        assert secret not in logged
    assert options["ceremony"] not in logged
    assert options["publicKey"]["challenge"] not in logged
