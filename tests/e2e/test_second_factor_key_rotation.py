"""TOTP secrets across a rotation of AUTH_KEYS, through the app and `hexauth serve`, on each
database: re-sealed under the new key as codes are accepted; a secret under a dropped key is a
503 at request time and a refusal to serve at start-up."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from dependency_injector import providers
from litestar.testing import TestClient

from adapters.tokens.keys import new_key_entry
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.sealing_keys_check import missing_sealing_keys_refusal
from tests.e2e.backstage import sql
from tests.e2e.conftest import BASE_URL, register, settings_for
from tests.e2e.served import hexauth
from tests.e2e.test_second_factor import EMAIL, enable, login_mfa, mfa_token
from tests.fakes.security import FixedClock
from tests.second_factor_steps import code_at
from tests.support.ports import free_port

OLD = new_key_entry("old")
NEW = new_key_entry("new")


@dataclass(frozen=True)
class App:
    client: TestClient
    container: Container

    def kids(self) -> list[str]:
        rows = sql(self.client, self.container, "SELECT secret_kid FROM totp_factors")
        return sorted(row[0] for row in rows)


@contextmanager
def app_with(database_url: str, clock: FixedClock, auth_keys: str) -> Iterator[App]:
    """The app on `database_url` with these AUTH_KEYS: a restart after the operator edits them."""
    container = Container()
    container.settings.override(providers.Object(settings_for(database_url, auth_keys=auth_keys)))
    container.clock.override(providers.Object(clock))
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        yield App(client, container)


def sign_in_with_code(client: TestClient, secret: str, clock: FixedClock):
    token = mfa_token(client)
    return login_mfa(client, {"mfa_token": token, "code": code_at(secret, clock.now())})


def test_a_sign_in_reseals_under_the_new_key_and_works_once_the_old_one_is_dropped(
    database_url, clock
):
    with app_with(database_url, clock, OLD) as app:
        secret, _ = enable(app.client, clock, register(app.client))
    with app_with(database_url, clock, f"{NEW},{OLD}") as app:
        signed = sign_in_with_code(app.client, secret, clock)
        assert signed.status_code == 200, signed.text
        assert app.kids() == ["new"]
    clock.advance(seconds=30)
    with app_with(database_url, clock, NEW) as app:
        again = sign_in_with_code(app.client, secret, clock)
        assert again.status_code == 200, again.text


def test_a_secret_under_a_dropped_key_is_a_503_and_the_code_stays_unspent(
    database_url, clock, caplog
):
    with app_with(database_url, clock, OLD) as app:
        secret, _ = enable(app.client, clock, register(app.client))
    with app_with(database_url, clock, NEW) as app:
        refused = sign_in_with_code(app.client, secret, clock)
        assert refused.status_code == 503, refused.text
        assert refused.json()["type"].endswith("service-unavailable")
        assert secret not in refused.text
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("key id old" in line and "mfa-reset" in line for line in errors), errors
    assert not any(OLD.split(":")[1] in line or secret in line for line in errors)
    with app_with(database_url, clock, f"{NEW},{OLD}") as app:
        back = sign_in_with_code(app.client, secret, clock)  # the same code: it was never spent
        assert back.status_code == 200, back.text


def test_serve_refuses_to_start_naming_the_missing_kids_and_their_accounts(
    database_url, clock, tmp_path
):
    with app_with(database_url, clock, OLD) as app:
        for email in (EMAIL, "bob@example.com"):
            enable(app.client, clock, register(app.client, email))

    env = {"DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(free_port())}
    refused = hexauth("serve", env={**env, "AUTH_KEYS": NEW}, cwd=tmp_path)

    assert refused.returncode == 1
    assert "old: 2 accounts" in refused.stderr
    assert "hexauth users mfa-reset EMAIL" in refused.stderr
    assert "as a later entry" in refused.stderr
    assert OLD.split(":")[1] not in refused.stderr + refused.stdout
    kept = settings_for(database_url, auth_keys=f"{NEW},{OLD}")
    assert missing_sealing_keys_refusal(kept) is None
