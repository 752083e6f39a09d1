"""HTTP tests go through the real app (`create_app`) with the real adapters on each database.

Only the clock is replaced, so tests can move time, and argon2 runs at its cheapest cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from adapters.tokens.keys import new_key_entry
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.fakes.lifecycle import RecordingMailSender
from tests.fakes.security import FixedClock

BASE_URL = "https://testserver.local"
CSRF = {"X-Requested-With": "XMLHttpRequest"}
PASSWORD = "correct horse battery staple"


def settings_for(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "auth_keys": new_key_entry("test"),
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        "argon2_parallelism": 1,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


@pytest.fixture
def container(settings: Settings, clock: FixedClock) -> Container:
    container = Container()
    container.settings.override(providers.Object(settings))
    container.clock.override(providers.Object(clock))
    # Mail stays in memory unless a test brings an SMTP server (test_account_lifecycle.py).
    container.mail_sender.override(providers.Object(RecordingMailSender()))
    return container


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        yield client


def register(client: TestClient, email: str = "ada@example.com", password: str = PASSWORD):
    response = client.post("/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return response


def bearer(response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


COOKIE = "__Secure-refresh_token"


def set_cookie_header(response) -> str:
    """The one Set-Cookie header of the refresh cookie (fails if there is none or several)."""
    headers = [h for h in response.headers.get_list("set-cookie") if "refresh_token=" in h]
    assert len(headers) == 1, headers
    return headers[0]


def cookie_value(response) -> str:
    return set_cookie_header(response).split(";", 1)[0].split("=", 1)[1]


def use_cookie(client: TestClient, value: str, name: str = COOKIE) -> None:
    """Make the client hold exactly this refresh cookie, as a browser tab would."""
    client.cookies.clear()
    client.cookies.set(name, value, domain="testserver.local", path="/auth")


def refresh(client: TestClient, **headers: str):
    return client.post("/auth/refresh", headers={**CSRF, **headers})
