"""The hashing queue's deadline: work that cannot start in time is refused at once, never run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from adapters.security.deadline_pool import DeadlinePool
from application.ports import Overloaded

SHORT = 0.05
NEVER = 30.0  # a bound for the test itself: reaching it means something hung


@pytest.fixture
def pool() -> Iterator[DeadlinePool]:
    pool = DeadlinePool(workers=1, start_deadline=SHORT)
    yield pool
    pool.shutdown()


class BlockedHash:
    """A stand-in for argon2 that holds its worker until the test lets it go."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls: list[str] = []

    def __call__(self, password: str) -> str:
        self.calls.append(password)
        self.started.set()
        if not self.release.wait(NEVER):
            raise AssertionError("never released")
        return f"hash of {password}"


async def test_work_that_cannot_start_within_the_deadline_is_refused_not_queued(
    pool: DeadlinePool,
) -> None:
    blocked = BlockedHash()
    first = asyncio.create_task(pool.run(blocked, "first"))
    assert await asyncio.to_thread(blocked.started.wait, NEVER)

    with pytest.raises(Overloaded):
        await asyncio.wait_for(pool.run(blocked, "second"), NEVER)

    blocked.release.set()
    assert await asyncio.wait_for(first, NEVER) == "hash of first"
    assert await asyncio.wait_for(pool.run(blocked, "third"), NEVER) == "hash of third"
    assert blocked.calls == ["first", "third"]  # the refused one never ran


async def test_work_that_starts_in_time_runs_and_returns_its_result(pool: DeadlinePool) -> None:
    assert await asyncio.wait_for(pool.run(str.upper, "abc"), NEVER) == "ABC"


async def test_an_error_of_the_work_reaches_the_caller(pool: DeadlinePool) -> None:
    def broken() -> None:
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        await asyncio.wait_for(pool.run(broken), NEVER)


async def test_work_whose_caller_gave_up_while_it_waited_never_runs() -> None:
    pool = DeadlinePool(workers=1, start_deadline=NEVER)
    blocked = BlockedHash()
    first = asyncio.create_task(pool.run(blocked, "first"))
    assert await asyncio.to_thread(blocked.started.wait, NEVER)
    waiting = asyncio.create_task(pool.run(blocked, "abandoned"))
    await asyncio.sleep(0.01)

    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    blocked.release.set()
    await asyncio.wait_for(first, NEVER)
    await asyncio.wait_for(pool.run(blocked, "after"), NEVER)  # queued behind it, if it were
    pool.shutdown()

    assert blocked.calls == ["first", "after"]
