"""Running the service for years: key rotation and argon2 cost upgrades, over HTTP.

Each step is a separate app (its own container, settings and engine) over one database, as a
redeploy with new settings would be.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager

from dependency_injector import providers
from litestar.testing import TestClient

from adapters.tokens.keys import new_key_entry
from entrypoints.container import Container
from entrypoints.http.app import create_app
from tests.e2e.backstage import sql
from tests.e2e.conftest import (
    BASE_URL,
    PASSWORD,
    bearer,
    cookie_value,
    refresh,
    register,
    settings_for,
    use_cookie,
)
from tests.e2e.test_register_and_login import assert_problem
from tests.e2e.test_tokens_and_sessions import assert_cookie_cleared
from tests.fakes.security import FixedClock

OLD, NEW = new_key_entry("old"), new_key_entry("new")


@contextmanager
def deployed(database_url: str, clock: FixedClock, **settings: object) -> Iterator[TestClient]:
    container = Container()
    container.settings.override(providers.Object(settings_for(database_url, **settings)))
    container.clock.override(providers.Object(clock))
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        yield client


def kid_of(token: str) -> str:
    header = token.split(".", 1)[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def login(client) -> object:
    response = client.post("/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response


def test_rotating_keys_keeps_everyone_signed_in_until_the_old_key_is_removed(database_url, clock):
    with deployed(database_url, clock, auth_keys=OLD) as before:
        registered = register(before)
        second_device = login(before)
        assert kid_of(registered.json()["access_token"]) == "old"

    with deployed(database_url, clock, auth_keys=f"{NEW},{OLD}") as during:
        assert during.get("/users/me", headers=bearer(registered)).status_code == 200
        use_cookie(during, cookie_value(registered))
        refreshed = refresh(during)
        assert refreshed.status_code == 200, refreshed.text
        assert kid_of(refreshed.json()["access_token"]) == "new"
        assert kid_of(cookie_value(refreshed)) == "new"
        assert kid_of(login(during).json()["access_token"]) == "new"

    with deployed(database_url, clock, auth_keys=NEW) as after:
        refused = after.get("/users/me", headers=bearer(registered))
        assert_problem(refused, 401, "invalid-token")
        assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        use_cookie(after, cookie_value(second_device))
        old_cookie = refresh(after)
        assert_problem(old_cookie, 401, "invalid-token")
        assert_cookie_cleared(old_cookie)

        assert after.get("/users/me", headers=bearer(refreshed)).status_code == 200
        use_cookie(after, cookie_value(refreshed))
        assert refresh(after).status_code == 200


def stored_hash(client) -> str:
    [(password_hash,)] = sql(
        client,
        client.app.state["container"],
        "SELECT password_hash FROM users WHERE email = :email",
        email="ada@example.com",
    )
    return str(password_hash)


def test_raising_the_argon2_cost_rehashes_the_password_at_the_next_login(database_url, clock):
    with deployed(database_url, clock, argon2_time_cost=1) as cheap:
        register(cheap)
        cheap_hash = stored_hash(cheap)
    assert ",t=1," in cheap_hash

    with deployed(database_url, clock, argon2_time_cost=2) as dearer:
        login(dearer)
        upgraded = stored_hash(dearer)
        login(dearer)
        assert stored_hash(dearer) == upgraded  # upgraded once, not at every login

    assert upgraded != cheap_hash
    assert upgraded.startswith("$argon2id$")
    assert ",t=2," in upgraded
    with deployed(database_url, clock, argon2_time_cost=2) as later:
        assert login(later).status_code == 200
