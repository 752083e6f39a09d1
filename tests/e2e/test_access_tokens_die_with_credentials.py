"""Access tokens die with their credentials, over HTTP on every database (docs/api.md "Refresh
sessions", "Token format"): an access token issued before a password change, a reset,
logout-all, a disable or a deletion is 401 invalid-token at every bearer endpoint at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from joserfc import jwe, jwt
from joserfc.jwk import OctKey
from litestar.testing import TestClient

from adapters.tokens.keys import KeyRing
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.e2e.backstage import in_app, set_active, sql
from tests.e2e.conftest import PASSWORD, bearer, cookie_value, refresh, register, use_cookie
from tests.e2e.test_disabled_accounts import assert_every_bearer_endpoint_refuses
from tests.e2e.test_register_and_login import assert_problem
from tests.fakes.lifecycle import RecordingMailSender

ADA = "ada@example.com"
NEW_PASSWORD = "a brand new passphrase for ada"
PATIENCE = 10.0  # seconds for a queued mail to reach the recording sender


def login(client: TestClient, password: str = PASSWORD) -> Any:
    response = client.post("/auth/login", json={"email": ADA, "password": password})
    assert response.status_code == 200, response.text
    return response


def session_id_of(client: TestClient, signed_in: Any) -> str:
    response = client.get("/auth/sessions", headers=bearer(signed_in))
    [current] = [s for s in response.json() if s["current"]]
    return str(current["id"])


def claims_of(settings: Settings, response: Any) -> dict[str, Any]:
    """The access token's claims, read with another JOSE library and the configured keys."""
    key = KeyRing.parse(settings.auth_keys).current
    envelope = jwe.decrypt_compact(
        response.json()["access_token"],
        OctKey.import_key(key.jwe_key),
        algorithms=["dir", "A256GCM"],
    )
    return dict(
        jwt.decode(envelope.plaintext, OctKey.import_key(key.jws_key), algorithms=["HS256"]).claims
    )


def reset_password(client: TestClient, container: Container) -> None:
    """Forgot, then the reset link as it is mailed, then the reset: all through the app."""
    assert client.post("/auth/password/forgot", json={"email": ADA}).status_code == 202
    # The sender loop's two steps, run now rather than at its next pass.
    in_app(client, container.answer_reset_requests().execute)
    in_app(client, container.deliver_mail().execute)
    sender = container.mail_sender()
    assert isinstance(sender, RecordingMailSender)
    deadline = time.monotonic() + PATIENCE
    while not [m for m in sender.sent if "reset-password#token=" in m.text]:
        assert time.monotonic() < deadline, "no reset mail was sent"
        time.sleep(0.02)
    [mail] = [m for m in sender.sent if "reset-password#token=" in m.text]
    token = mail.text.split("reset-password#token=", 1)[1].split()[0]
    response = client.post(
        "/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204, response.text


def change_password(client: TestClient, container: Container, actor: Any) -> None:
    response = client.post(
        "/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(actor),
    )
    assert response.status_code == 200, response.text


def logout_all(client: TestClient, container: Container, actor: Any) -> None:
    assert client.post("/auth/logout-all", headers=bearer(actor)).status_code == 204


def disable(client: TestClient, container: Container, actor: Any) -> None:
    set_active(client, container, ADA, False)  # what `hexauth users disable` does


def delete_account(client: TestClient, container: Container, actor: Any) -> None:
    response = client.request(
        "DELETE", "/users/me", json={"password": PASSWORD}, headers=bearer(actor)
    )
    assert response.status_code == 204, response.text


def reset(client: TestClient, container: Container, actor: Any) -> None:
    reset_password(client, container)


CREDENTIAL_EVENTS: list[Callable[[TestClient, Container, Any], None]] = [
    change_password,
    reset,
    logout_all,
    disable,
    delete_account,
]


@pytest.mark.parametrize("event", CREDENTIAL_EVENTS, ids=lambda event: event.__name__)
def test_an_access_token_from_before_a_credential_event_is_refused_at_every_bearer_endpoint(
    client: TestClient, container: Container, event: Callable[[TestClient, Container, Any], None]
) -> None:
    earlier = register(client)
    other_device = login(client)
    session_id = session_id_of(client, earlier)
    assert client.get("/users/me", headers=bearer(earlier)).status_code == 200

    event(client, container, other_device)

    assert_every_bearer_endpoint_refuses(client, earlier, session_id)
    assert_every_bearer_endpoint_refuses(client, other_device, session_id)


def test_after_a_password_change_only_the_token_in_its_answer_works(client: TestClient) -> None:
    earlier = register(client)

    changed = client.post(
        "/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(earlier),
    )

    assert changed.status_code == 200, changed.text
    assert client.get("/users/me", headers=bearer(changed)).status_code == 200
    sessions = client.get("/auth/sessions", headers=bearer(changed))
    assert [s["current"] for s in sessions.json()] == [True]
    response = client.get("/users/me", headers=bearer(earlier))
    assert_problem(response, 401, "invalid-token")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_an_attacker_holding_an_access_token_is_out_once_the_victim_resets(
    client: TestClient, container: Container
) -> None:
    register(client)
    attacker = login(client)  # signed in with a stolen password, on their own device
    attackers_cookie = cookie_value(attacker)

    reset_password(client, container)
    victim = login(client, NEW_PASSWORD)
    victims_cookie = cookie_value(victim)

    assert_problem(client.get("/auth/sessions", headers=bearer(attacker)), 401, "invalid-token")
    assert_problem(client.post("/auth/logout-all", headers=bearer(attacker)), 401, "invalid-token")
    use_cookie(client, attackers_cookie)
    assert_problem(refresh(client), 401, "invalid-token")
    # The victim's new session is untouched by the attempts.
    [listed] = client.get("/auth/sessions", headers=bearer(victim)).json()
    assert listed["current"] is True
    use_cookie(client, victims_cookie)
    assert refresh(client).status_code == 200


def test_logout_all_refuses_the_callers_own_access_token_and_a_new_login_works(
    client: TestClient,
) -> None:
    signed = register(client)

    assert client.post("/auth/logout-all", headers=bearer(signed)).status_code == 204

    assert_problem(client.get("/users/me", headers=bearer(signed)), 401, "invalid-token")
    again = login(client)
    assert client.get("/users/me", headers=bearer(again)).status_code == 200


def test_ending_one_session_leaves_the_access_tokens_of_the_account_valid(
    client: TestClient,
) -> None:
    phone = register(client)
    laptop = login(client)

    response = client.delete(
        f"/auth/sessions/{session_id_of(client, phone)}", headers=bearer(laptop)
    )

    assert response.status_code == 204
    assert client.get("/users/me", headers=bearer(phone)).status_code == 200


def test_access_tokens_carry_the_accounts_cv_and_a_password_amr(
    client: TestClient, container: Container, settings: Settings
) -> None:
    registered = register(client)
    logout_all(client, container, registered)  # the stored version is 1 now

    signed = login(client)
    use_cookie(client, cookie_value(signed))
    refreshed = refresh(client)

    [(stored,)] = sql(
        client, container, "SELECT credentials_version FROM users WHERE email = :e", e=ADA
    )
    assert stored == 1
    for response in (signed, refreshed):
        claims = claims_of(settings, response)
        assert claims["cv"] == stored
        assert claims["amr"] == ["pwd"]


def test_the_session_list_says_how_each_session_signed_in(client: TestClient) -> None:
    register(client)
    signed = login(client)

    sessions = client.get("/auth/sessions", headers=bearer(signed)).json()

    assert [s["amr"] for s in sessions] == [["pwd"], ["pwd"]]
