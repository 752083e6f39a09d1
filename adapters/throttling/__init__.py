"""Attempt counters in a Litestar MemoryStore per process, or in Redis shared by instances."""

from __future__ import annotations

from litestar.stores.memory import MemoryStore
from redis.asyncio import Redis

from adapters.throttling.redis_counter import RedisAttemptCounter, RedisCounters
from adapters.throttling.store_counter import StoreAttemptCounter
from application.ports import AttemptCounter

NAMESPACE = "hexauth_attempts"
# A Redis that does not answer must not hold a login for long: fail fast, then 503.
REDIS_TIMEOUT_SECONDS = 2.0


AttemptStore = MemoryStore | RedisCounters


def attempt_store_for(redis_url: str, namespace: str = NAMESPACE) -> AttemptStore:
    """RedisCounters on `redis_url`, or a MemoryStore when it is empty."""
    if not redis_url:
        return MemoryStore()
    client = Redis.from_url(
        redis_url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    return RedisCounters(client, namespace)


def attempt_counter_for(store: AttemptStore) -> AttemptCounter:
    """The counter that is atomic over `store`: across instances on Redis, in-process otherwise."""
    if isinstance(store, RedisCounters):
        return RedisAttemptCounter(store)
    return StoreAttemptCounter(store)


async def close_attempt_store(store: AttemptStore) -> None:
    """Give back what the store holds open (Redis connections); a MemoryStore holds none."""
    if isinstance(store, RedisCounters):
        await store.aclose()


__all__ = [
    "AttemptStore",
    "RedisAttemptCounter",
    "RedisCounters",
    "StoreAttemptCounter",
    "attempt_counter_for",
    "attempt_store_for",
    "close_attempt_store",
]
