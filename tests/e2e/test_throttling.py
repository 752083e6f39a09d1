"""docs/api.md "Login throttling" over HTTP, on SQLite and Postgres, with the counters in the
default MemoryStore and in a real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from dependency_injector import providers

from adapters.throttling import NAMESPACE, CountingRedisStore, attempt_store_for
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.e2e.conftest import PASSWORD, settings_for
from tests.e2e.peers import PeerTestClient
from tests.e2e.test_register_and_login import assert_problem

ADA = "ada@example.com"
WRONG = "definitely not the password"
HOME, ELSEWHERE = "203.0.113.10", "198.51.100.20"
WINDOW = 60


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(
        database_url,
        login_max_failures=3,
        login_max_failures_per_ip=6,
        login_window=WINDOW,
        register_max_per_ip=3,
    )


@pytest.fixture(params=["memory", "redis"])
def counters(request: pytest.FixtureRequest, container: Container) -> str:
    """Where the attempt counters live; on Redis, in a namespace of this test's own."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_server_url")
        namespace = request.getfixturevalue("redis_namespace")
        container.attempt_store.override(providers.Singleton(attempt_store_for, url, namespace))
    return request.param


@pytest.fixture
def client(container: Container, counters: str) -> Iterator[PeerTestClient]:
    with PeerTestClient(create_app(container), peer=HOME) as client:
        yield client


def login(client, email: str = ADA, password: str = PASSWORD):
    return client.post("/auth/login", json={"email": email, "password": password})


def register(client, email: str = ADA):
    return client.post("/auth/register", json={"email": email, "password": PASSWORD})


def fail(client, times: int, email: str = ADA) -> None:
    for _ in range(times):
        assert_problem(login(client, email, WRONG), 401, "invalid-credentials")


def assert_throttled(response, window: int = WINDOW) -> None:
    body = assert_problem(response, 429, "too-many-requests")
    assert 1 <= int(response.headers["retry-after"]) <= window
    assert "set-cookie" not in response.headers
    assert "access_token" not in body
    assert "ip" not in body["detail"]  # which limit was hit stays in the logs


def test_after_the_maximum_failures_even_the_right_password_gets_429(client):
    assert register(client).status_code == 201
    fail(client, 3)

    assert_throttled(login(client))
    assert_throttled(login(client, password=WRONG))


def test_unknown_emails_are_counted_too(client):
    fail(client, 3, email="nobody@example.com")

    assert_throttled(login(client, email="nobody@example.com"))


def test_the_pair_is_the_normalized_email_with_the_client_address(client):
    register(client)
    fail(client, 3, email="  ADA@Example.com ")

    assert_throttled(login(client, email="ada@example.com"))
    client.peer = ELSEWHERE
    assert login(client).status_code == 200


def test_a_success_resets_the_pair(client):
    register(client)
    fail(client, 2)
    assert login(client).status_code == 200

    fail(client, 3)

    assert_throttled(login(client))


def test_one_address_is_capped_across_every_email(client):
    register(client)
    for index in range(6):
        fail(client, 1, email=f"guess{index}@example.com")

    assert_throttled(login(client))
    client.peer = ELSEWHERE
    assert login(client).status_code == 200


def test_registration_is_capped_per_address_and_creates_nothing_past_the_cap(client):
    for index in range(3):
        assert register(client, f"user{index}@example.com").status_code == 201

    assert_throttled(register(client, "late@example.com"), window=3600)

    client.peer = ELSEWHERE
    assert login(client, email="late@example.com").status_code == 401  # it was never created
    assert register(client, "late@example.com").status_code == 201


def test_a_throttled_login_does_no_password_work(client, container):
    register(client)
    fail(client, 3)
    for index in range(3):  # and the address to its cap, for an unknown email's path too
        fail(client, 1, email=f"guess{index}@example.com")
    hasher = container.password_hasher()
    calls: list[str] = []

    async def spy(*args, **kwargs):
        calls.append("argon2")
        raise AssertionError("argon2 ran for a throttled request")

    hasher.verify = spy
    hasher.imitate_verify = spy

    assert_throttled(login(client))
    assert_throttled(login(client, email="nobody@example.com"))
    assert calls == []


def test_the_pair_may_try_again_once_the_window_has_passed(container, database_url, counters):
    container.settings.override(
        providers.Object(settings_for(database_url, login_max_failures=2, login_window=1))
    )
    with PeerTestClient(create_app(container), peer=HOME) as client:
        register(client)
        fail(client, 2)
        assert_throttled(login(client), window=1)

        time.sleep(1.1)

        assert login(client).status_code == 200


@pytest.mark.parametrize("counters", ["redis"], indirect=True)
def test_two_instances_sharing_redis_see_each_others_failures(
    container, database_url, counters, redis_server_url, redis_namespace
):
    other = Container()
    other.settings.override(providers.Object(container.settings()))
    other.attempt_store.override(
        providers.Singleton(attempt_store_for, redis_server_url, redis_namespace)
    )
    with (
        PeerTestClient(create_app(container), peer=HOME) as one,
        PeerTestClient(create_app(other), peer=HOME) as two,
    ):
        assert register(one).status_code == 201
        fail(one, 2)
        fail(two, 1)

        assert_throttled(login(one))
        assert_throttled(login(two))


def test_a_redis_that_does_not_answer_refuses_logins_with_503_not_500(container, database_url):
    container.attempt_store.override(
        providers.Singleton(attempt_store_for, "redis://127.0.0.1:1/0", "unreachable")
    )
    with PeerTestClient(create_app(container)) as client:
        for response in (login(client), register(client)):
            body = assert_problem(response, 503, "service-unavailable")
            assert "redis" not in response.text.lower()
            assert "Connection" not in body["detail"]


def test_redis_url_puts_the_counters_in_redis_under_the_service_namespace(database_url):
    container = Container()
    container.settings.override(
        providers.Object(settings_for(database_url, redis_url="redis://127.0.0.1:6379/0"))
    )

    store = container.attempt_store()

    assert isinstance(store, CountingRedisStore)
    assert store.namespace == NAMESPACE
