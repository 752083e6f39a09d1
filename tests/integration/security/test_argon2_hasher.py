from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest
from argon2 import PasswordHasher as Argon2

from adapters.security import argon2_hasher
from adapters.security.argon2_hasher import Argon2Cost, Argon2PasswordHasher
from application.ports import Overloaded

CHEAP = Argon2Cost(time_cost=1, memory_kib=64, parallelism=1)
SHORT = 0.05  # a queue deadline that a blocked hash outlasts
NEVER = 30.0  # a bound for the test itself: reaching it means something hung


@pytest.fixture
def hasher():
    hasher = Argon2PasswordHasher(CHEAP)
    yield hasher
    hasher.close()


async def test_a_hash_is_argon2id_with_the_configured_cost_and_verifies(hasher):
    password_hash = await hasher.hash("correct horse battery staple")

    assert password_hash.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert "correct horse" not in password_hash
    assert await hasher.verify(password_hash, "correct horse battery staple")
    assert not await hasher.verify(password_hash, "correct horse battery stapler")


async def test_two_hashes_of_one_password_differ_by_salt(hasher):
    assert await hasher.hash("same password!!") != await hasher.hash("same password!!")


async def test_an_unreadable_hash_verifies_as_false_and_needs_a_rehash(hasher):
    assert not await hasher.verify("not-a-hash", "whatever")
    assert hasher.needs_rehash("not-a-hash")


async def test_a_hash_made_with_another_cost_needs_a_rehash(hasher):
    stronger = Argon2PasswordHasher(Argon2Cost(time_cost=2, memory_kib=64, parallelism=1))
    try:
        old_hash = await hasher.hash("a long enough password")
        assert stronger.needs_rehash(old_hash)
        assert not hasher.needs_rehash(old_hash)
        assert await stronger.verify(old_hash, "a long enough password")
    finally:
        stronger.close()


async def test_imitating_a_verify_runs_a_real_argon2_verification(hasher, monkeypatch):
    calls = []
    original = Argon2.verify
    monkeypatch.setattr(
        Argon2, "verify", lambda self, h, p: calls.append(h) or original(self, h, p)
    )

    await hasher.imitate_verify("anything at all")

    assert len(calls) == 1
    assert calls[0].startswith("$argon2id$v=19$m=64,t=1,p=1$")


async def test_hashing_runs_off_the_event_loop_thread(hasher, monkeypatch):
    threads = []
    original = Argon2.hash
    monkeypatch.setattr(
        Argon2,
        "hash",
        lambda self, p: threads.append(threading.current_thread()) or original(self, p),
    )

    await asyncio.gather(hasher.hash("one long password"), hasher.hash("two long password"))

    assert threads
    assert all(t is not threading.main_thread() for t in threads)
    assert all(t.name.startswith("argon2") for t in threads)


@pytest.mark.skipif(sys.platform != "linux", reason="a per-thread nice value is Linux's")
async def test_hashing_threads_run_at_the_documented_nice_value_and_the_loop_does_not(
    hasher, monkeypatch
):
    priorities = []
    original = Argon2.hash
    monkeypatch.setattr(
        Argon2,
        "hash",
        lambda self, p: priorities.append(os.getpriority(os.PRIO_PROCESS, 0)) or original(self, p),
    )
    before = os.getpriority(os.PRIO_PROCESS, 0)

    await hasher.hash("one long password")

    assert priorities == [max(before, argon2_hasher.HASHING_NICE)]
    assert os.getpriority(os.PRIO_PROCESS, 0) == before  # the event loop's thread keeps its own


class BlockedHashes:
    """Stands in for argon2's hash: each call holds its thread until the test lets it go."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    def __call__(self, password: str) -> str:
        with self._changed:
            self.started.append(password)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self._changed.notify_all()
        try:
            if not self.release.wait(NEVER):
                raise AssertionError("never released")
            return f"hash of {password}"
        finally:
            with self._lock:
                self.running -= 1

    async def wait_until_running(self, count: int) -> None:
        def wait() -> bool:
            with self._changed:
                return self._changed.wait_for(lambda: self.running >= count, NEVER)

        assert await asyncio.to_thread(wait)


@pytest.fixture
def blocked(monkeypatch: pytest.MonkeyPatch) -> BlockedHashes:
    blocked = BlockedHashes()
    monkeypatch.setattr(Argon2, "hash", lambda self, password: blocked(password))
    return blocked


@pytest.fixture
def one_thread():
    hasher = Argon2PasswordHasher(CHEAP, threads=1, queue_timeout=SHORT)
    yield hasher
    hasher.close()


async def test_a_hash_that_cannot_start_within_the_deadline_is_refused_and_never_runs(
    one_thread, blocked
):
    first = asyncio.create_task(one_thread.hash("first"))
    await blocked.wait_until_running(1)

    with pytest.raises(Overloaded):
        await asyncio.wait_for(one_thread.hash("second"), NEVER)

    blocked.release.set()
    assert await asyncio.wait_for(first, NEVER) == "hash of first"
    assert await asyncio.wait_for(one_thread.hash("third"), NEVER) == "hash of third"
    assert blocked.started == ["first", "third"]


async def test_a_request_cancelled_while_it_waits_never_starts_its_hash(blocked):
    hasher = Argon2PasswordHasher(CHEAP, threads=1, queue_timeout=NEVER)
    try:
        first = asyncio.create_task(hasher.hash("first"))
        await blocked.wait_until_running(1)
        waiting = asyncio.create_task(hasher.hash("abandoned"))
        await asyncio.sleep(0)  # it is now waiting for the thread

        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        blocked.release.set()
        await asyncio.wait_for(first, NEVER)
        await asyncio.wait_for(hasher.hash("after"), NEVER)  # queued behind it, if it were
    finally:
        hasher.close()

    assert blocked.started == ["first", "after"]


async def test_a_thread_whose_caller_was_cancelled_stays_taken_until_its_hash_ends(
    one_thread, blocked
):
    gone = asyncio.create_task(one_thread.hash("client gone"))
    await blocked.wait_until_running(1)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone

    with pytest.raises(Overloaded):  # the hash still runs: no thread is free yet
        await asyncio.wait_for(one_thread.hash("next"), NEVER)

    blocked.release.set()
    assert await asyncio.wait_for(one_thread.hash("later"), NEVER) == "hash of later"
    assert blocked.started == ["client gone", "later"]


async def test_no_more_hashes_run_at_once_than_the_hasher_has_threads(blocked):
    hasher = Argon2PasswordHasher(CHEAP, threads=3, queue_timeout=NEVER)
    try:
        hashes = [asyncio.create_task(hasher.hash(f"password {n}")) for n in range(7)]
        await blocked.wait_until_running(3)
        blocked.release.set()
        await asyncio.wait_for(asyncio.gather(*hashes), NEVER)
    finally:
        hasher.close()

    assert blocked.most_at_once == 3
    assert len(blocked.started) == 7


async def test_by_default_the_hashes_lanes_together_fit_the_usable_cpus(blocked, monkeypatch):
    monkeypatch.setattr(argon2_hasher, "usable_cpus", lambda: 8)
    hasher = Argon2PasswordHasher(Argon2Cost(time_cost=1, memory_kib=64, parallelism=4))
    try:
        hashes = [asyncio.create_task(hasher.hash(f"password {n}")) for n in range(5)]
        await blocked.wait_until_running(2)
        blocked.release.set()
        await asyncio.wait_for(asyncio.gather(*hashes), NEVER)
    finally:
        hasher.close()

    assert hasher.threads == 2  # 2 hashes x 4 lanes = 8 CPUs
    assert blocked.most_at_once == 2


async def test_the_configured_threads_override_the_cpu_count(monkeypatch):
    monkeypatch.setattr(argon2_hasher, "usable_cpus", lambda: 8)
    hasher = Argon2PasswordHasher(Argon2Cost(parallelism=4), threads=5)
    hasher.close()

    assert hasher.threads == 5


async def test_the_event_loop_keeps_answering_while_a_hash_runs(hasher, monkeypatch):
    timer_answered = threading.Event()
    original = Argon2.hash

    def hash_that_ends_once_the_loop_answered(self, password):
        # Were the hash on the loop's thread, or blocking it, the timer could never fire.
        assert timer_answered.wait(NEVER)
        return original(self, password)

    monkeypatch.setattr(Argon2, "hash", hash_that_ends_once_the_loop_answered)
    hashing = asyncio.create_task(hasher.hash("a long enough password"))
    asyncio.get_running_loop().call_later(0.01, timer_answered.set)

    password_hash = await asyncio.wait_for(hashing, NEVER)

    assert password_hash.startswith("$argon2id$")
    assert timer_answered.is_set()


async def test_real_hashes_leave_the_event_loop_free_to_run_other_tasks():
    # Each hash takes milliseconds of CPU on 2 lanes; the loop spins a task meanwhile.
    hasher = Argon2PasswordHasher(Argon2Cost(time_cost=2, memory_kib=8192, parallelism=2))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        await asyncio.sleep(0)
        before = ticks
        hashes = await asyncio.gather(*(hasher.hash(f"password {n}") for n in range(3)))
        during = ticks - before
    finally:
        ticker.cancel()
        hasher.close()

    assert len(set(hashes)) == 3
    # argon2-cffi lets go of the GIL while it hashes: the loop went round many times meanwhile,
    # where a hash holding the GIL (or run on the loop) would have let it round a few times.
    assert during > 50
