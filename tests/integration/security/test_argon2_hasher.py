from __future__ import annotations

import asyncio
import os
import sys
import threading
import time

import pytest
from argon2 import PasswordHasher as Argon2

from adapters.security.argon2_hasher import (
    HASHING_POLICY,
    Argon2Cost,
    Argon2PasswordHasher,
    usable_cpus,
)
from adapters.security.cpu_lending import CpuLending
from tests.support.busy_loop import keep_the_loop_busy, keep_the_loop_busy_until

CHEAP = Argon2Cost(time_cost=1, memory_kib=64, parallelism=1)


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


linux_only = pytest.mark.skipif(sys.platform != "linux", reason="per-thread policy is Linux's")


def _own_policy() -> int:
    return os.sched_getscheduler(0)  # pid 0: the calling thread on Linux


@linux_only
async def test_hashing_runs_at_idle_priority_and_leaves_the_loop_thread_alone(hasher, monkeypatch):
    seen = []
    original = Argon2.hash
    monkeypatch.setattr(
        Argon2, "hash", lambda self, p: seen.append(_own_policy()) or original(self, p)
    )
    loop_thread_policy = _own_policy()

    await hasher.hash("a long enough password")
    await hasher.imitate_verify("a long enough password")  # its dummy hash, made on first use

    assert HASHING_POLICY == os.SCHED_IDLE
    assert seen == [os.SCHED_IDLE, os.SCHED_IDLE]
    assert loop_thread_policy == os.SCHED_OTHER
    assert _own_policy() == os.SCHED_OTHER


async def test_the_busy_loop_lends_its_time_while_a_hash_is_in_flight(monkeypatch):
    pauses = []
    lending = CpuLending(share=0.5, period=0.002, pause=pauses.append)
    hasher = Argon2PasswordHasher(CHEAP, lending=lending)
    original = Argon2.hash
    monkeypatch.setattr(Argon2, "hash", lambda self, p: time.sleep(0.05) or original(self, p))

    try:
        hashing = asyncio.ensure_future(hasher.hash("a long enough password"))
        await keep_the_loop_busy_until(hashing.done)
        await hashing
        during = len(pauses)
        await keep_the_loop_busy(0.02)
    finally:
        hasher.close()

    assert during > 0
    assert set(pauses) == {0.001}
    assert len(pauses) == during  # none once the hash is done


async def test_no_more_hashes_run_at_once_than_the_process_has_cpus(hasher, monkeypatch):
    running, most = 0, 0
    lock = threading.Lock()
    original = Argon2.hash

    def counting_hash(self, password):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        try:
            return original(self, password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(Argon2, "hash", counting_hash)

    await asyncio.gather(*(hasher.hash(f"password number {n}") for n in range(3 * usable_cpus())))

    assert 1 <= most <= usable_cpus()
