"""Attempt counters in a Litestar store: MemoryStore per process, or Redis shared by instances."""

from __future__ import annotations

from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from redis.asyncio import Redis

from adapters.throttling.redis_counter import CountingRedisStore, RedisAttemptCounter
from adapters.throttling.store_counter import StoreAttemptCounter
from application.ports import AttemptCounter

NAMESPACE = "hexauth_attempts"
# A Redis that does not answer must not hold a login for long: fail fast, then 503.
REDIS_TIMEOUT_SECONDS = 2.0


def attempt_store_for(redis_url: str, namespace: str = NAMESPACE) -> Store:
    """A CountingRedisStore on `redis_url`, or a MemoryStore when it is empty."""
    if not redis_url:
        return MemoryStore()
    client = Redis.from_url(
        redis_url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    # The store closes the client when the app that registered it shuts down.
    return CountingRedisStore(client, namespace=namespace, handle_client_shutdown=True)


def attempt_counter_for(store: Store) -> AttemptCounter:
    """The counter that is atomic over `store`: across instances on Redis, in-process otherwise."""
    if isinstance(store, CountingRedisStore):
        return RedisAttemptCounter(store)
    return StoreAttemptCounter(store)


__all__ = [
    "CountingRedisStore",
    "RedisAttemptCounter",
    "StoreAttemptCounter",
    "attempt_counter_for",
    "attempt_store_for",
]
