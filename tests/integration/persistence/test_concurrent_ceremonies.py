"""Racing takes of one passkey ceremony and racing prunes, each on its own PostgreSQL connection."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import pytest

from adapters.persistence import create_engine, unit_of_work_factory
from application.ports import UnitOfWorkFactory
from domain.passkey import CEREMONY_TTL, CeremonyPurpose, PasskeyCeremony
from tests.builders import NOW

CONTENDERS = 8


def a_ceremony() -> PasskeyCeremony:
    return PasskeyCeremony.begin(
        token=secrets.token_urlsafe(32),
        purpose=CeremonyPurpose.SIGN_IN,
        challenge=secrets.token_bytes(64),
        user_id=None,
        now=NOW,
    )


async def store(unit_of_work: UnitOfWorkFactory, *ceremonies: PasskeyCeremony) -> None:
    async with unit_of_work() as uow:
        for ceremony in ceremonies:
            await uow.passkey_ceremonies.add(ceremony)
        await uow.commit()


@pytest.mark.postgres
async def test_of_concurrent_takes_of_one_ceremony_exactly_one_gets_it(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url, pool_size=CONTENDERS, max_overflow=0)
    unit_of_work = unit_of_work_factory(engine)
    ceremony = a_ceremony()
    await store(unit_of_work, ceremony)
    everyone_is_in = asyncio.Barrier(CONTENDERS)

    async def take() -> PasskeyCeremony | None:
        async with unit_of_work() as uow:
            await uow.passkey_ceremonies.prune(NOW, 1)  # a transaction open on every connection
            await everyone_is_in.wait()
            taken = await uow.passkey_ceremonies.take(ceremony.token_hash, ceremony.purpose)
            await uow.commit()
            return taken

    try:
        results = await asyncio.wait_for(asyncio.gather(*(take() for _ in range(CONTENDERS))), 30)
    finally:
        await engine.dispose()

    assert [result for result in results if result is not None] == [ceremony]


@pytest.mark.postgres
async def test_concurrent_prunes_share_the_expired_ceremonies_without_waiting(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url, pool_size=2, max_overflow=0)
    unit_of_work = unit_of_work_factory(engine)
    await store(unit_of_work, *(a_ceremony() for _ in range(6)))
    later = NOW + CEREMONY_TTL + timedelta(seconds=1)
    first_has_pruned = asyncio.Event()
    second_has_pruned = asyncio.Event()

    async def first() -> int:
        async with unit_of_work() as uow:
            pruned = await uow.passkey_ceremonies.prune(later, 4)
            first_has_pruned.set()
            await second_has_pruned.wait()  # its rows stay locked while the second prunes
            await uow.commit()
            return pruned

    async def second() -> int:
        await first_has_pruned.wait()
        async with unit_of_work() as uow:
            pruned = await uow.passkey_ceremonies.prune(later, 4)
            second_has_pruned.set()
            await uow.commit()
            return pruned

    try:
        counts = await asyncio.wait_for(asyncio.gather(first(), second()), 30)
    finally:
        await engine.dispose()

    assert counts == [4, 2]
