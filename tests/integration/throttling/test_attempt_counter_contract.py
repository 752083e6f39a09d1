"""One contract for every AttemptCounter: the fake on a test clock, the MemoryStore adapter and
the Redis adapter on a real server. Windows are real seconds for the adapters, so the few tests
that wait for one to end use a short window."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from litestar.stores.memory import MemoryStore

from adapters.throttling import (
    RedisAttemptCounter,
    RedisCounters,
    StoreAttemptCounter,
    attempt_counter_for,
    attempt_store_for,
)
from application.ports import AttemptCounter, AttemptCounterUnavailable, Attempts
from tests.fakes.security import FixedClock
from tests.fakes.throttling import InMemoryAttemptCounter

WINDOW = timedelta(seconds=60)


@dataclass
class Subject:
    counter: AttemptCounter
    elapse: Callable[[float], Awaitable[None]]


@pytest.fixture(params=["fake", "memory_store", "redis"])
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == "fake":
        clock = FixedClock()

        async def advance(seconds: float) -> None:
            clock.advance(seconds=seconds)

        yield Subject(InMemoryAttemptCounter(clock), advance)
        return
    if request.param == "memory_store":
        yield Subject(StoreAttemptCounter(MemoryStore()), asyncio.sleep)
        return
    url = request.getfixturevalue("redis_server_url")
    store = attempt_store_for(url, namespace=request.getfixturevalue("redis_namespace"))
    async with store:  # closes the client, as the app's lifespan does
        yield Subject(attempt_counter_for(store), asyncio.sleep)


async def test_an_unknown_key_has_no_attempts(subject: Subject) -> None:
    assert await subject.counter.peek("nobody") == Attempts(0, 0)


async def test_each_hit_counts_one_and_peek_reads_without_counting(subject: Subject) -> None:
    counter = subject.counter

    first = await counter.hit("k", WINDOW)
    second = await counter.hit("k", WINDOW)
    peeked = await counter.peek("k")

    assert (first.count, second.count, peeked.count) == (1, 2, 2)
    assert 59 <= peeked.retry_after <= 60


async def test_keys_are_counted_apart(subject: Subject) -> None:
    await subject.counter.hit("a", WINDOW)
    await subject.counter.hit("a", WINDOW)

    assert (await subject.counter.hit("b", WINDOW)).count == 1


async def test_later_hits_do_not_extend_the_window(subject: Subject) -> None:
    await subject.counter.hit("k", timedelta(seconds=2))
    await subject.elapse(1.2)

    later = await subject.counter.hit("k", timedelta(seconds=2))

    assert later.count == 2
    assert later.retry_after == 1  # what is left of the first window, rounded up


async def test_when_the_window_ends_the_count_starts_again(subject: Subject) -> None:
    await subject.counter.hit("k", timedelta(seconds=1))
    await subject.counter.hit("k", timedelta(seconds=1))
    await subject.elapse(1.2)

    assert (await subject.counter.peek("k")).count == 0
    assert (await subject.counter.hit("k", timedelta(seconds=1))).count == 1


async def test_reset_forgets_the_key(subject: Subject) -> None:
    await subject.counter.hit("k", WINDOW)

    await subject.counter.reset("k")
    await subject.counter.reset("never-hit")

    assert await subject.counter.peek("k") == Attempts(0, 0)


async def test_release_takes_back_one_hit_and_keeps_the_window(subject: Subject) -> None:
    for _ in range(3):
        await subject.counter.hit("k", timedelta(seconds=2))
    await subject.elapse(1.2)

    await subject.counter.release("k")

    assert await subject.counter.peek("k") == Attempts(2, 1)  # the first window, not a new one


async def test_releasing_the_last_hit_closes_the_window(subject: Subject) -> None:
    await subject.counter.hit("k", WINDOW)

    await subject.counter.release("k")
    await subject.counter.release("k")  # never below zero

    assert await subject.counter.peek("k") == Attempts(0, 0)
    assert (await subject.counter.hit("k", WINDOW)).count == 1


async def test_releasing_a_key_never_hit_leaves_it_unknown(subject: Subject) -> None:
    await subject.counter.release("nobody")

    assert await subject.counter.peek("nobody") == Attempts(0, 0)


async def test_releasing_after_the_window_ended_changes_nothing(subject: Subject) -> None:
    await subject.counter.hit("k", timedelta(seconds=1))
    await subject.elapse(1.2)

    await subject.counter.release("k")

    assert await subject.counter.peek("k") == Attempts(0, 0)


async def test_concurrent_hits_and_releases_never_lose_a_count(subject: Subject) -> None:
    for _ in range(25):
        await subject.counter.hit("k", WINDOW)

    await asyncio.gather(
        *(subject.counter.hit("k", WINDOW) for _ in range(25)),
        *(subject.counter.release("k") for _ in range(20)),
    )

    assert (await subject.counter.peek("k")).count == 30


async def test_concurrent_hits_never_share_a_count(subject: Subject) -> None:
    answers = await asyncio.gather(*(subject.counter.hit("k", WINDOW) for _ in range(50)))

    assert sorted(a.count for a in answers) == list(range(1, 51))


async def test_retry_after_is_whole_seconds_and_at_least_one(subject: Subject) -> None:
    attempts = await subject.counter.hit("k", timedelta(milliseconds=300))

    assert attempts.retry_after == 1


async def test_two_counters_on_one_redis_share_their_counts(
    redis_server_url: str, redis_namespace: str
) -> None:
    one = attempt_store_for(redis_server_url, namespace=redis_namespace)
    two = attempt_store_for(redis_server_url, namespace=redis_namespace)
    async with one, two:
        first, second = attempt_counter_for(one), attempt_counter_for(two)
        await asyncio.gather(*(c.hit("k", WINDOW) for c in [first, second] * 10))

        assert (await first.peek("k")).count == 20
        await second.reset("k")
        assert (await first.peek("k")).count == 0


async def test_redis_keys_live_in_the_store_namespace_and_expire(
    redis_server_url: str, redis_namespace: str
) -> None:
    import redis

    store = attempt_store_for(redis_server_url, namespace=redis_namespace)
    async with store:
        await attempt_counter_for(store).hit("login:ip:192.0.2.1", WINDOW)
    with redis.Redis.from_url(redis_server_url) as client:
        key = f"{redis_namespace}:login:ip:192.0.2.1"
        assert client.get(key) == b"1"
        assert 59_000 <= client.pttl(key) <= 60_000


async def test_a_redis_that_does_not_answer_is_attempt_counter_unavailable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = attempt_store_for(f"redis://127.0.0.1:{port}/0")
    assert isinstance(store, RedisCounters)
    counter = RedisAttemptCounter(store)
    async with store:
        calls = (
            counter.hit("k", WINDOW),
            counter.release("k"),
            counter.peek("k"),
            counter.reset("k"),
        )
        for call in calls:
            with pytest.raises(AttemptCounterUnavailable):
                await call


def test_without_a_redis_url_the_counters_live_in_a_memory_store() -> None:
    store = attempt_store_for("")

    assert isinstance(store, MemoryStore)
    assert isinstance(attempt_counter_for(store), StoreAttemptCounter)


async def test_the_memory_store_adapter_ignores_a_value_it_did_not_write() -> None:
    store = MemoryStore()
    await store.set("k", b"not a counter")

    assert (await StoreAttemptCounter(store).hit("k", WINDOW)).count == 1
