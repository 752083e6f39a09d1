import copy
from datetime import timedelta

import pytest

from application.count_sessions import CountSessionsCommand
from application.list_sessions import ListSessionsCommand
from application.results import AuthResult
from domain.errors import InvalidToken
from tests.builders import World, a_lifetime, a_world


async def counted(world: World, caller: AuthResult) -> int:
    return await world.count_sessions.execute(CountSessionsCommand(world.principal_of(caller)))


async def listed(world: World, caller: AuthResult) -> int:
    return len(await world.list_sessions.execute(ListSessionsCommand(world.principal_of(caller))))


async def test_each_live_session_of_the_caller_counts_once() -> None:
    world = a_world()
    phone = await world.sign_up()
    await world.sign_in()
    await world.sign_in()

    assert await counted(world, phone) == 3


async def test_revoked_expired_and_other_accounts_sessions_do_not_count() -> None:
    world = a_world(lifetime=a_lifetime(idle=timedelta(days=1)))
    await world.sign_up()  # will have been idle for a whole day
    world.clock.advance(hours=23)
    logged_out = await world.sign_in()
    await world.sign_out(logged_out.tokens.refresh_token)
    current = await world.sign_in()
    await world.sign_up(email="grace@example.com")
    world.clock.advance(hours=1)

    assert await counted(world, current) == 1


async def test_a_session_that_a_credential_change_overtook_does_not_count_as_in_the_list() -> None:
    world = a_world()
    before = await world.sign_up()
    world.store.users[before.user.id].credentials_version += 1  # a change committed elsewhere
    after = await world.sign_in()

    assert await counted(world, after) == await listed(world, after) == 1
    assert len(world.store.sessions) == 2  # the overtaken one is still stored, and live


async def test_counting_changes_nothing() -> None:
    world = a_world()
    signed = await world.sign_up()
    sessions = copy.deepcopy(world.store.sessions)

    await counted(world, signed)

    assert world.store.sessions == sessions


@pytest.mark.parametrize("account", ["disabled", "deleted"])
async def test_an_account_that_is_gone_or_disabled_cannot_count_sessions(account: str) -> None:
    world = a_world()
    signed = await world.sign_up()
    if account == "disabled":
        world.store.users[signed.user.id].is_active = False
    else:
        del world.store.users[signed.user.id]

    with pytest.raises(InvalidToken):
        await counted(world, signed)
