"""An AttemptCounter in Redis, shared by every instance of the service."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Self

from redis.asyncio import Redis
from redis.exceptions import RedisError

from application.ports import AttemptCounter, AttemptCounterUnavailable, Attempts

# One round trip, atomic on the server: INCR, a window on the first hit (a key that somehow has
# no expiry gets one too, so it can never lock a client out for good), and the time left in ms.
_HIT = b"""
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
# Takes one hit back, atomically: never below 0, and a key brought to 0 is gone (no window).
_RELEASE = b"""
local count = tonumber(redis.call('GET', KEYS[1]))
if count == nil then
    return 0
end
if count <= 1 then
    redis.call('DEL', KEYS[1])
    return 0
end
return redis.call('DECR', KEYS[1])
"""
_PEEK = b"""
return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}
"""


class RedisCounters:
    """Counters under `<namespace>:<key>` in Redis, through redis-py's client.

    Each update is one Lua script, atomic on the server: a get-then-set would lose counts
    between instances racing on one key; INCR and PEXPIRE in one script cannot. `async with`
    closes the client on the way out.
    """

    def __init__(self, client: Redis, namespace: str) -> None:
        self._client = client
        self.namespace = namespace
        self._hit_script = client.register_script(_HIT)
        self._release_script = client.register_script(_RELEASE)
        self._peek_script = client.register_script(_PEEK)

    def key(self, name: str) -> str:
        """The Redis key that holds the counter `name`."""
        return f"{self.namespace}:{name}"

    async def increment(self, name: str, window: timedelta) -> tuple[int, int]:
        """Add one to `name`, opening a window on its first hit: (count, milliseconds left)."""
        milliseconds = max(1, int(window.total_seconds() * 1000))
        count, ttl = await self._hit_script(keys=[self.key(name)], args=[milliseconds])
        return int(count), int(ttl)

    async def decrement(self, name: str) -> None:
        """Take one from `name`, deleting it at 0; a counter that is not there stays away."""
        await self._release_script(keys=[self.key(name)])

    async def count(self, name: str) -> tuple[int, int]:
        """(count, milliseconds left) of `name`; (0, 0) when it has no window open."""
        value, ttl = await self._peek_script(keys=[self.key(name)])
        if value is None:
            return 0, 0
        return int(value), int(ttl)

    async def delete(self, name: str) -> None:
        await self._client.delete(self.key(name))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class RedisAttemptCounter(AttemptCounter):
    """Counts through RedisCounters; a RedisError becomes AttemptCounterUnavailable."""

    def __init__(self, store: RedisCounters) -> None:
        self._store = store

    async def hit(self, key: str, window: timedelta) -> Attempts:
        try:
            count, ttl = await self._store.increment(key, window)
        except RedisError as error:
            raise AttemptCounterUnavailable(type(error).__name__) from error
        return Attempts(count, _seconds(ttl))

    async def release(self, key: str) -> None:
        try:
            await self._store.decrement(key)
        except RedisError as error:
            raise AttemptCounterUnavailable(type(error).__name__) from error

    async def peek(self, key: str) -> Attempts:
        try:
            count, ttl = await self._store.count(key)
        except RedisError as error:
            raise AttemptCounterUnavailable(type(error).__name__) from error
        return Attempts(0, 0) if count == 0 else Attempts(count, _seconds(ttl))

    async def reset(self, key: str) -> None:
        try:
            await self._store.delete(key)
        except RedisError as error:
            raise AttemptCounterUnavailable(type(error).__name__) from error


def _seconds(milliseconds: int) -> int:
    return max(1, math.ceil(milliseconds / 1000))
