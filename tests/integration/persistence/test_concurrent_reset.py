"""Racing resets with one link, each on its own connection: exactly one sets the password."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import pytest

from adapters.persistence import create_engine, unit_of_work_factory
from application.reset_password import ResetPassword, ResetPasswordCommand
from domain.errors import InvalidLink
from domain.one_time_link import LinkPurpose, OneTimeLink
from tests.builders import NOW, a_password_policy, a_user
from tests.fakes.security import FakePasswordHasher, FixedClock, IgnoredSecurityEvents

CONTENDERS = 10
PATIENCE = 30  # seconds; a lost wake-up would otherwise hang the suite


class HasherWaitingForEveryone(FakePasswordHasher):
    """Holds each reset between its read of the link and its writing transaction until all of
    them have read it: every contender goes into the race with the link still live."""

    def __init__(self, contenders: int) -> None:
        super().__init__()
        self.everyone_has_read = asyncio.Barrier(contenders)

    async def hash(self, password: str) -> str:
        await self.everyone_has_read.wait()
        return await super().hash(password)


@pytest.mark.postgres
async def test_of_concurrent_resets_with_one_link_exactly_one_succeeds(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url, pool_size=CONTENDERS, max_overflow=0)
    unit_of_work = unit_of_work_factory(engine)
    hasher = HasherWaitingForEveryone(CONTENDERS)
    reset = ResetPassword(
        unit_of_work, hasher, a_password_policy(), FixedClock(NOW), IgnoredSecurityEvents()
    )
    user = a_user()
    token = secrets.token_urlsafe(32)
    link = OneTimeLink.issue(
        id=user.id,
        user_id=user.id,
        email=user.email,
        purpose=LinkPurpose.RESET,
        token=token,
        now=NOW,
        ttl=timedelta(minutes=30),
    )
    async with unit_of_work() as uow:
        await uow.users.add(user)
        await uow.links.add(link)
        await uow.commit()

    async def contend(n: int) -> str:
        password = f"contender number {n} passphrase"
        try:
            await reset.execute(ResetPasswordCommand(token, password))
        except InvalidLink:
            return ""
        return password

    try:
        async with asyncio.timeout(PATIENCE):
            outcomes = await asyncio.gather(*(contend(n) for n in range(CONTENDERS)))
        async with unit_of_work() as uow:
            stored = await uow.users.get(user.id)
    finally:
        await engine.dispose()

    winners = [password for password in outcomes if password]
    assert len(winners) == 1
    assert stored is not None
    assert await hasher.verify(stored.password_hash, winners[0])
