"""Racing rotations of one refresh token, each on its own connection: exactly one wins."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from adapters.persistence import create_engine, unit_of_work_factory
from application.refresh_session import RefreshCommand, RefreshSession
from application.results import AuthResult
from application.token_issuer import TokenIssuer
from domain.auth_methods import PASSWORD_ONLY
from domain.errors import InvalidToken, SessionRevoked
from domain.session import Session
from tests.builders import FIRST_TOKEN_ID, NOW, a_lifetime, a_session, a_token_policy, a_user
from tests.fakes.security import FakeTokenCodec, FixedClock, IgnoredSecurityEvents, SequentialIds
from tests.support.postgres import until_a_backend

CONTENDERS = 20
PATIENCE = 30  # seconds; a lost wake-up would otherwise hang the suite


@pytest.mark.postgres
async def test_of_concurrent_compare_and_swaps_on_one_token_exactly_one_succeeds(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url, pool_size=CONTENDERS, max_overflow=0)
    unit_of_work = unit_of_work_factory(engine)
    user = a_user()
    session = a_session(user_id=user.id, token_id=FIRST_TOKEN_ID)
    async with unit_of_work() as uow:
        await uow.users.add(user)
        await uow.sessions.add(session)
        await uow.commit()
    everyone_has_read = asyncio.Barrier(CONTENDERS)

    async def rotate(contender: int) -> bool:
        async with unit_of_work() as uow:
            loaded = await uow.sessions.get(session.id)
            assert loaded is not None
            await everyone_has_read.wait()  # every transaction is open on the same old row
            loaded.rotate(f"jti-contender-{contender}", NOW, a_lifetime())
            swapped = await uow.sessions.save_rotation(loaded, expected_token_id=FIRST_TOKEN_ID)
            await uow.commit()
            return swapped

    try:
        async with asyncio.timeout(PATIENCE):
            outcomes = await asyncio.gather(*(rotate(n) for n in range(CONTENDERS)))
        async with unit_of_work() as uow:
            stored = await uow.sessions.get(session.id)
    finally:
        await engine.dispose()

    assert outcomes.count(True) == 1
    assert stored is not None
    assert stored.current_token_id == f"jti-contender-{outcomes.index(True)}"
    assert stored.previous_token_id == FIRST_TOKEN_ID


async def race_refreshes(
    database_url: str, reuse_grace: timedelta
) -> tuple[list[AuthResult | BaseException], Session | None, FakeTokenCodec]:
    """CONTENDERS refreshes at once with one token, on their own connections."""
    engine = create_engine(database_url, pool_size=CONTENDERS, max_overflow=0)
    unit_of_work = unit_of_work_factory(engine)
    clock, ids = FixedClock(NOW), SequentialIds()
    codec = FakeTokenCodec(clock)
    policy = a_token_policy(session=a_lifetime(reuse_grace=reuse_grace))
    issuer = TokenIssuer(codec, ids, policy)
    refresh = RefreshSession(unit_of_work, codec, issuer, clock, ids, IgnoredSecurityEvents())
    user = a_user(id=ids.new_id())
    session = issuer.start_session(user, clock.now(), "pytest", amr=PASSWORD_ONLY)
    async with unit_of_work() as uow:
        await uow.users.add(user)
        await uow.sessions.add(session)
        await uow.commit()
    token = issuer.tokens_for(session, clock.now()).refresh_token

    try:
        async with asyncio.timeout(PATIENCE):
            outcomes = await asyncio.gather(
                *(refresh.execute(RefreshCommand(token)) for _ in range(CONTENDERS)),
                return_exceptions=True,
            )
        async with unit_of_work() as uow:
            stored = await uow.sessions.get(session.id)
    finally:
        await engine.dispose()
    return outcomes, stored, codec


async def test_of_concurrent_refreshes_with_one_token_one_rotates_and_all_get_its_token(
    database_url: str,
) -> None:
    outcomes, stored, codec = await race_refreshes(database_url, timedelta(seconds=5))

    assert all(isinstance(outcome, AuthResult) for outcome in outcomes), outcomes
    assert stored is not None
    assert stored.revoked_at is None
    assert stored.previous_token_id is not None
    assert {
        codec.issued[outcome.tokens.refresh_token].token_id
        for outcome in outcomes
        if isinstance(outcome, AuthResult)
    } == {stored.current_token_id}


async def test_without_a_window_one_of_concurrent_refreshes_succeeds_and_the_rest_are_refused(
    database_url: str,
) -> None:
    outcomes, stored, codec = await race_refreshes(database_url, timedelta(0))

    [winner] = [outcome for outcome in outcomes if isinstance(outcome, AuthResult)]
    losers = [outcome for outcome in outcomes if not isinstance(outcome, AuthResult)]
    # A loser that read the session before the winner committed is refused; one that read it
    # after (on SQLite every one: its transactions run one at a time) presented a rotated
    # token, which without a window is reuse and revokes the session.
    assert all(isinstance(loser, InvalidToken) for loser in losers), losers
    assert len(losers) == CONTENDERS - 1
    assert stored is not None
    assert stored.current_token_id == codec.issued[winner.tokens.refresh_token].token_id


@pytest.mark.postgres
async def test_a_refresh_that_loses_its_swap_to_a_revocation_is_refused(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url, pool_size=2, max_overflow=0)
    unit_of_work = unit_of_work_factory(engine)
    clock, ids = FixedClock(NOW), SequentialIds()
    codec = FakeTokenCodec(clock)
    issuer = TokenIssuer(codec, ids, a_token_policy())
    refresh = RefreshSession(unit_of_work, codec, issuer, clock, ids, IgnoredSecurityEvents())
    user = a_user(id=ids.new_id())
    session = issuer.start_session(user, clock.now(), "pytest", amr=PASSWORD_ONLY)
    async with unit_of_work() as uow:
        await uow.users.add(user)
        await uow.sessions.add(session)
        await uow.commit()
    token = issuer.tokens_for(session, clock.now()).refresh_token

    try:
        async with asyncio.timeout(PATIENCE):
            async with unit_of_work() as logout:
                session.revoke(NOW)
                await logout.sessions.save_revocation(session)  # the row stays locked
                refreshing = asyncio.create_task(refresh.execute(RefreshCommand(token)))
                # It reads the row as unrevoked (reads never wait), then waits in its UPDATE.
                await until_a_backend(postgres_database_url, "wait_event_type = 'Lock'")
                assert not refreshing.done()
                await logout.commit()
            with pytest.raises(SessionRevoked):
                await refreshing
        async with unit_of_work() as uow:
            stored = await uow.sessions.get(session.id)
    finally:
        await engine.dispose()

    assert stored is not None
    assert stored.current_token_id == session.current_token_id
