"""docs/api.md "Client IP": the socket peer, or what a proxy listed in FORWARDED_ALLOW_IPS forwards.

Seen through what depends on it: the throttling pairs and the client_ip of security events.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from dependency_injector import providers

from entrypoints.container import Container
from entrypoints.http.app import create_app
from tests.e2e.conftest import PASSWORD, settings_for
from tests.e2e.peers import PeerTestClient
from tests.e2e.served import hexauth, serving

PROXY = "10.0.0.2"
WRONG = "definitely not the password"


def app_client(container: Container, database_url: str, **settings) -> PeerTestClient:
    container.settings.override(
        providers.Object(settings_for(database_url, login_max_failures=2, **settings))
    )
    return PeerTestClient(create_app(container))


def failed_login(client, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = client.post(
        "/auth/login", json={"email": "ada@example.com", "password": WRONG}, headers=headers
    )
    return response.status_code


@pytest.fixture
def direct(container, database_url) -> Iterator[PeerTestClient]:
    with app_client(container, database_url) as client:
        client.peer = "127.0.0.1"
        yield client


@pytest.fixture
def proxied(container, database_url) -> Iterator[PeerTestClient]:
    with app_client(container, database_url, forwarded_allow_ips=("10.0.0.0/24",)) as client:
        client.peer = PROXY
        yield client


def test_without_trusted_proxies_forwarded_for_is_ignored_even_from_loopback(direct):
    answers = [failed_login(direct, f"203.0.113.{n}") for n in range(3)]

    assert answers == [401, 401, 429]  # one client, 127.0.0.1, whatever it claims


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(proxied):
    answers = [failed_login(proxied, f"203.0.113.{n}") for n in range(3)]

    assert answers == [401, 401, 401]
    assert [failed_login(proxied, "203.0.113.0") for _ in range(2)] == [401, 429]


def test_addresses_the_client_wrote_itself_are_not_believed(proxied):
    # The proxy appends the real address; whatever the client put before it is its own claim.
    answers = [failed_login(proxied, f"198.51.100.{n}, 203.0.113.9") for n in range(3)]

    assert answers == [401, 401, 429]


def test_a_peer_that_is_not_the_proxy_is_counted_as_itself(proxied):
    proxied.peer = "192.0.2.77"

    answers = [failed_login(proxied, f"203.0.113.{n}") for n in range(3)]

    assert answers == [401, 401, 429]


def test_security_events_name_the_resolved_client(proxied, caplog):
    with caplog.at_level(logging.INFO, logger="hexauth.security"):
        failed_login(proxied, "6.6.6.6, 2001:DB8::1")

    [record] = [r for r in caplog.records if r.name == "hexauth.security"]
    assert record.client_ip == "2001:db8::1"


def test_served_by_uvicorn_forwarded_headers_are_applied_once_and_only_for_listed_proxies(
    tmp_path,
):
    assert hexauth("migrate", env={}, cwd=tmp_path).returncode == 0
    env = {"AUTH_LOGIN_MAX_FAILURES": "2"}

    def answers(base_url: str, email: str) -> list[int]:
        return [
            httpx.post(
                f"{base_url}/auth/login",
                json={"email": email, "password": PASSWORD},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
            for n in range(3)
        ]

    # uvicorn on its own would believe 127.0.0.1; FORWARDED_ALLOW_IPS unset trusts no one.
    with serving(env, tmp_path) as base_url:
        assert answers(base_url, "ada@example.com") == [401, 401, 429]
    with serving({**env, "FORWARDED_ALLOW_IPS": "127.0.0.1"}, tmp_path) as base_url:
        assert answers(base_url, "grace@example.com") == [401, 401, 401]
