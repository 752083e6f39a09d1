from datetime import timedelta

import pytest

from application.operator.prune_sessions import PruneSessionsCommand
from application.results import AuthResult
from tests.builders import World, a_lifetime, a_world

DAY = timedelta(days=1)


def is_stored(world: World, signed: AuthResult) -> bool:
    return world.claims_of(signed.tokens.refresh_token).session_id in world.store.sessions


async def test_pruning_deletes_sessions_dead_for_longer_than_30_days_by_default() -> None:
    world = a_world(lifetime=a_lifetime(idle=DAY, absolute=2 * DAY))
    expired_long_ago = await world.sign_up()
    logged_out_long_ago = await world.sign_in()
    await world.sign_out(logged_out_long_ago.tokens.refresh_token)
    world.clock.advance(days=26)
    logged_out_lately = await world.sign_in()
    await world.sign_out(logged_out_lately.tokens.refresh_token)
    world.clock.advance(days=6)
    live = await world.sign_in()

    pruned = await world.prune_sessions.execute(PruneSessionsCommand())

    assert pruned == 2
    assert not is_stored(world, expired_long_ago)
    assert not is_stored(world, logged_out_long_ago)
    assert is_stored(world, logged_out_lately)
    assert is_stored(world, live)


async def test_pruning_with_no_delay_deletes_every_dead_session_and_keeps_live_ones() -> None:
    world = a_world()
    logged_out = await world.sign_up()
    await world.sign_out(logged_out.tokens.refresh_token)
    live = await world.sign_in()
    world.clock.advance(seconds=1)

    assert await world.prune_sessions.execute(PruneSessionsCommand(timedelta(0))) == 1

    assert not is_stored(world, logged_out)
    assert is_stored(world, live)
    await world.refresh_with(live.tokens.refresh_token)


async def test_pruning_nothing_says_zero() -> None:
    world = a_world()
    await world.sign_up()

    assert await world.prune_sessions.execute(PruneSessionsCommand()) == 0


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        PruneSessionsCommand(timedelta(days=-1))
