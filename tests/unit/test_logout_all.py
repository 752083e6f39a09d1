from datetime import timedelta

import pytest

from application.events import SecurityEventKind
from application.logout_all import LogoutAllCommand
from domain.errors import InvalidToken, SessionRevoked
from tests.builders import NOW, a_world


async def test_logging_out_everywhere_revokes_every_session_of_the_user() -> None:
    world = a_world()
    phone = await world.sign_up()
    laptop = await world.sign_in()
    world.clock.advance(minutes=5)

    revoked = await world.logout_all.execute(LogoutAllCommand(world.principal_of(laptop)))

    assert revoked == 2
    for signed in (phone, laptop):
        assert world.session_of(signed).revoked_at == NOW + timedelta(minutes=5)
        with pytest.raises(SessionRevoked):
            await world.refresh_with(signed.tokens.refresh_token)


async def test_logging_out_everywhere_leaves_other_accounts_signed_in() -> None:
    world = a_world()
    ada = await world.sign_up()
    grace = await world.sign_up(email="grace@example.com")

    await world.logout_all.execute(LogoutAllCommand(world.principal_of(ada)))

    assert world.session_of(grace).revoked_at is None
    await world.refresh_with(grace.tokens.refresh_token)


async def test_logging_out_everywhere_keeps_the_time_of_earlier_logouts() -> None:
    world = a_world()
    phone = await world.sign_up()
    laptop = await world.sign_in()
    await world.sign_out(phone.tokens.refresh_token)
    world.clock.advance(hours=1)

    assert await world.logout_all.execute(LogoutAllCommand(world.principal_of(laptop))) == 1

    assert world.session_of(phone).revoked_at == NOW


async def test_logging_out_everywhere_is_reported_once_with_its_reason() -> None:
    world = a_world()
    signed = await world.sign_up()
    await world.sign_in()
    principal = world.principal_of(signed)
    world.events.events.clear()

    await world.logout_all.execute(LogoutAllCommand(principal))

    [event] = world.events.events
    assert (event.kind, event.user_id, event.session_id, event.reason) == (
        SecurityEventKind.SESSION_REVOKED,
        principal.user_id,
        principal.session_id,
        "logout_all",
    )


@pytest.mark.parametrize("account", ["disabled", "deleted"])
async def test_an_account_that_is_gone_or_disabled_cannot_log_out_everywhere(account: str) -> None:
    world = a_world()
    signed = await world.sign_up()
    if account == "disabled":
        world.store.users[signed.user.id].is_active = False
    else:
        del world.store.users[signed.user.id]
    commits = world.store.commits

    with pytest.raises(InvalidToken):
        await world.logout_all.execute(LogoutAllCommand(world.principal_of(signed)))

    assert world.store.commits == commits
    assert world.session_of(signed).revoked_at is None
