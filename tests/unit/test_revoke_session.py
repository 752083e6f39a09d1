from datetime import timedelta

import pytest

from application.events import SecurityEventKind
from application.results import AuthResult
from application.revoke_session import RevokeSessionCommand
from domain.errors import InvalidToken, SessionNotFound, SessionRevoked
from tests.builders import NOW, World, a_lifetime, a_world


async def revoke(world: World, caller: AuthResult, session_id: object) -> bool:
    command = RevokeSessionCommand(world.principal_of(caller), str(session_id))
    return await world.revoke_session.execute(command)


async def test_revoking_another_of_ones_sessions_ends_only_that_one() -> None:
    world = a_world()
    phone = await world.sign_up()
    laptop = await world.sign_in()
    world.clock.advance(minutes=2)

    was_current = await revoke(world, laptop, world.session_of(phone).id)

    assert was_current is False
    assert world.session_of(phone).revoked_at == NOW + timedelta(minutes=2)
    assert world.session_of(laptop).revoked_at is None
    with pytest.raises(SessionRevoked):
        await world.refresh_with(phone.tokens.refresh_token)


async def test_revoking_the_callers_own_session_says_so() -> None:
    world = a_world()
    signed = await world.sign_up()

    assert await revoke(world, signed, world.session_of(signed).id) is True
    assert world.session_of(signed).revoked_at == NOW


async def test_revoking_is_reported_with_the_session_and_its_reason() -> None:
    world = a_world()
    phone = await world.sign_up()
    laptop = await world.sign_in()
    world.events.events.clear()

    await revoke(world, laptop, world.session_of(phone).id)

    [event] = world.events.events
    assert (event.kind, event.user_id, event.session_id, event.reason) == (
        SecurityEventKind.SESSION_REVOKED,
        phone.user.id,
        world.session_of(phone).id,
        "revoked_by_user",
    )


async def test_someone_elses_session_is_not_found_and_stays_untouched() -> None:
    world = a_world()
    ada = await world.sign_up()
    grace = await world.sign_up(email="grace@example.com")
    commits = world.store.commits

    with pytest.raises(SessionNotFound):
        await revoke(world, ada, world.session_of(grace).id)

    assert world.session_of(grace).revoked_at is None
    assert world.store.commits == commits


@pytest.mark.parametrize(
    "session_id",
    ["not-a-uuid", "", "00000000-0000-0000-0000-00000000000g", "9" * 5000, "123e4567"],
)
async def test_a_malformed_id_is_not_found(session_id: str) -> None:
    world = a_world()
    signed = await world.sign_up()

    with pytest.raises(SessionNotFound):
        await revoke(world, signed, session_id)


async def test_an_unknown_id_is_not_found() -> None:
    world = a_world()
    signed = await world.sign_up()

    with pytest.raises(SessionNotFound):
        await revoke(world, signed, "6f1f0d0e-8a59-4c1b-9d8e-0b6c7f3e2a10")


async def test_a_session_already_revoked_or_expired_is_not_found() -> None:
    world = a_world(lifetime=a_lifetime(idle=timedelta(hours=1)))
    logged_out = await world.sign_up()
    await world.sign_out(logged_out.tokens.refresh_token)
    expired = await world.sign_in()
    world.clock.advance(minutes=50)
    caller = await world.sign_in()
    world.clock.advance(minutes=10)

    for dead in (logged_out, expired):
        with pytest.raises(SessionNotFound):
            await revoke(world, caller, world.session_of(dead).id)
    assert world.session_of(expired).revoked_at is None


@pytest.mark.parametrize("account", ["disabled", "deleted"])
async def test_an_account_that_is_gone_or_disabled_cannot_revoke_sessions(account: str) -> None:
    world = a_world()
    signed = await world.sign_up()
    session_id = world.session_of(signed).id
    if account == "disabled":
        world.store.users[signed.user.id].is_active = False
    else:
        del world.store.users[signed.user.id]

    with pytest.raises(InvalidToken):
        await revoke(world, signed, session_id)
