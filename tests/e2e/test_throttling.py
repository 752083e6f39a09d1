"""docs/api.md "Login throttling" over HTTP, on SQLite and Postgres, with the counters in the
default MemoryStore and in a real Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager

import pytest
import redis
from dependency_injector import providers

from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from adapters.throttling import NAMESPACE, RedisCounters, attempt_store_for
from application.ports import Overloaded, UnitOfWork
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.e2e.conftest import PASSWORD, settings_for
from tests.e2e.peers import PeerTestClient
from tests.e2e.test_register_and_login import assert_problem
from tests.fakes.persistence import InMemoryStore, InMemoryUnitOfWork

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

    assert isinstance(store, RedisCounters)
    assert store.namespace == NAMESPACE


def in_parallel(client, count: int, request) -> list:
    """`count` requests at once, each on its own thread, all through the app's one event loop."""
    with ThreadPoolExecutor(max_workers=count) as threads:
        return list(threads.map(lambda index: request(client, index), range(count)))


def count_password_checks(container, hold: float = 0.3) -> list[str]:
    """Spy on the hasher: each check is recorded, and held a moment so that parallel requests
    really overlap (with argon2 at its test cost, a check would end before the next began)."""
    hasher = container.password_hasher()
    checks: list[str] = []
    verify, imitate_verify = hasher.verify, hasher.imitate_verify

    async def slow_verify(password_hash: str, password: str) -> bool:
        checks.append("verify")
        await asyncio.sleep(hold)
        return await verify(password_hash, password)

    async def slow_imitate_verify(password: str) -> None:
        checks.append("imitate_verify")
        await asyncio.sleep(hold)
        await imitate_verify(password)

    hasher.verify = slow_verify
    hasher.imitate_verify = slow_imitate_verify
    return checks


def test_of_a_burst_of_parallel_logins_from_one_address_at_most_the_cap_are_checked(
    client, container
):
    checks = count_password_checks(container)

    responses = in_parallel(
        client, 40, lambda c, index: login(c, f"guess{index}@example.com", WRONG)
    )

    statuses = sorted(r.status_code for r in responses)
    assert len(checks) == 6  # login_max_failures_per_ip
    assert statuses == [401] * 6 + [429] * 34
    for response in responses:
        if response.status_code == 429:
            assert_throttled(response)


def test_of_a_burst_of_parallel_guesses_at_one_account_at_most_the_limit_are_checked(
    client, container
):
    register(client)
    checks = count_password_checks(container)

    responses = in_parallel(client, 20, lambda c, _: login(c, ADA, WRONG))

    assert checks == ["verify"] * 3  # login_max_failures
    assert sorted(r.status_code for r in responses) == [401] * 3 + [429] * 17


def test_an_ipv6_client_is_counted_per_64_network(client):
    register(client)
    for index in range(6):
        client.peer = f"2001:db8::{index + 1}"
        fail(client, 1, email=f"guess{index}@example.com")

    client.peer = "2001:db8::ffff"
    assert_throttled(login(client))
    client.peer = "2001:db8:0:1::1"
    assert login(client).status_code == 200


class Outage:
    """The unit of work factory, until `down`: then every unit of work fails as in an outage."""

    def __init__(self, container: Container) -> None:
        self.down = False
        self._real = providers.Factory(SqlAlchemyUnitOfWork.open, container.engine)
        container.unit_of_work.override(providers.Callable(self))

    def __call__(self, *, read_only: bool = False) -> AbstractAsyncContextManager[UnitOfWork]:
        if self.down:
            return InMemoryUnitOfWork(InMemoryStore(down=True))
        return self._real(read_only=read_only)


def test_attempts_that_meet_a_database_outage_use_up_no_tries(client, container):
    assert register(client).status_code == 201
    outage = Outage(container)
    outage.down = True

    for response in [login(client, password=WRONG) for _ in range(5)] + [
        login(client) for _ in range(5)
    ]:
        assert_problem(response, 503, "service-unavailable")
        assert response.headers["retry-after"]
    for index in range(5):
        assert_problem(register(client, f"new{index}@example.com"), 503, "service-unavailable")

    outage.down = False
    fail(client, 2)  # the pair still has all its tries: two failures, and the third is right
    assert login(client).status_code == 200
    for index in range(2):  # and the address its registrations
        assert register(client, f"new{index}@example.com").status_code == 201


def test_attempts_refused_for_overload_answer_503_at_once_and_use_up_no_tries(client, container):
    assert register(client).status_code == 201
    hasher = container.password_hasher()
    real = hasher.verify, hasher.imitate_verify, hasher.hash

    async def busy(*args: str) -> None:
        raise Overloaded("no worker was free within the deadline")

    hasher.verify = hasher.imitate_verify = hasher.hash = busy
    for response in (
        *(login(client, password=WRONG) for _ in range(4)),
        login(client, email="nobody@example.com"),
        *(register(client, f"new{index}@example.com") for index in range(3)),
    ):
        assert_problem(response, 503, "service-unavailable")
        assert int(response.headers["retry-after"]) >= 1
        assert "set-cookie" not in response.headers

    hasher.verify, hasher.imitate_verify, hasher.hash = real
    fail(client, 2)
    assert login(client).status_code == 200
    for index in range(2):
        assert register(client, f"new{index}@example.com").status_code == 201


@pytest.mark.parametrize("counters", ["redis"], indirect=True)
def test_the_redis_keys_hold_no_email_and_no_address(
    client, counters, redis_server_url, redis_namespace
):
    register(client)
    fail(client, 2)
    assert login(client).status_code == 200
    fail(client, 1, email="nobody@example.com")

    with redis.Redis.from_url(redis_server_url) as server:
        keys = [key.decode() for key in server.scan_iter(f"{redis_namespace}:*")]
    assert len(keys) == 3  # registrations and failures of the address, nobody's pair
    for key in keys:
        assert HOME not in key
        assert "example.com" not in key
