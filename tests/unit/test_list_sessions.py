from datetime import timedelta

import pytest

from application.list_sessions import ListSessionsCommand, LiveSession
from application.results import AuthResult
from domain.errors import InvalidToken
from tests.builders import NOW, World, a_lifetime, a_world


async def listed(world: World, caller: AuthResult) -> list[LiveSession]:
    return await world.list_sessions.execute(ListSessionsCommand(world.principal_of(caller)))


async def test_the_live_sessions_are_listed_newest_first_with_the_callers_marked() -> None:
    world = a_world()
    phone = await world.sign_up(user_agent="Phone")
    world.clock.advance(hours=1)
    laptop = await world.sign_in(user_agent="Laptop")
    world.clock.advance(hours=1)
    tablet = await world.sign_in(user_agent=None)

    sessions = await listed(world, laptop)

    assert [(s.id, s.user_agent, s.current) for s in sessions] == [
        (world.session_of(tablet).id, None, False),
        (world.session_of(laptop).id, "Laptop", True),
        (world.session_of(phone).id, "Phone", False),
    ]
    assert sessions[2].created_at == sessions[2].last_used_at == NOW


async def test_revoked_and_expired_sessions_are_not_listed() -> None:
    world = a_world(lifetime=a_lifetime(idle=timedelta(days=1)))
    expired = await world.sign_up()
    world.clock.advance(hours=23)
    logged_out = await world.sign_in()
    await world.sign_out(logged_out.tokens.refresh_token)
    current = await world.sign_in()
    world.clock.advance(hours=1)  # the first session has now been idle for a whole day

    sessions = await listed(world, current)

    assert [s.id for s in sessions] == [world.session_of(current).id]
    assert world.session_of(expired).id not in {s.id for s in sessions}


async def test_other_accounts_sessions_are_not_listed() -> None:
    world = a_world()
    ada = await world.sign_up()
    await world.sign_up(email="grace@example.com")

    sessions = await listed(world, ada)

    assert [s.id for s in sessions] == [world.session_of(ada).id]


async def test_expires_at_is_the_idle_end_which_a_refresh_moves_up_to_the_absolute_end() -> None:
    world = a_world(lifetime=a_lifetime(idle=timedelta(days=14), absolute=timedelta(days=20)))
    signed = await world.sign_up()
    [fresh] = await listed(world, signed)
    world.clock.advance(days=10)
    refreshed = await world.refresh_with(signed.tokens.refresh_token)

    [moved] = await listed(world, refreshed)

    assert fresh.expires_at == NOW + timedelta(days=14)
    assert moved.expires_at == NOW + timedelta(days=20)  # not 24: never after the absolute end
    assert moved.last_used_at == NOW + timedelta(days=10)
    assert moved.current  # a refreshed access token still names the same session


async def test_a_caller_whose_session_was_revoked_sees_the_others_none_current() -> None:
    world = a_world()
    phone = await world.sign_up()
    laptop = await world.sign_in()
    await world.sign_out(phone.tokens.refresh_token)

    sessions = await listed(world, phone)  # its access token is still valid for a while

    assert [(s.id, s.current) for s in sessions] == [(world.session_of(laptop).id, False)]


@pytest.mark.parametrize("account", ["disabled", "deleted"])
async def test_an_account_that_is_gone_or_disabled_cannot_list_sessions(account: str) -> None:
    world = a_world()
    signed = await world.sign_up()
    if account == "disabled":
        world.store.users[signed.user.id].is_active = False
    else:
        del world.store.users[signed.user.id]

    with pytest.raises(InvalidToken):
        await listed(world, signed)
