from datetime import timedelta

import pytest

from application.events import SecurityEventKind
from application.get_current_user import GetCurrentUser
from application.operator.set_account_active import SetAccountActiveCommand
from domain.errors import AccountDisabled, AccountNotFound, InvalidEmail, InvalidToken
from tests.builders import EMAIL, NOW, a_world


async def test_disabling_revokes_every_session_and_refuses_sign_in_refresh_and_tokens() -> None:
    world = a_world()
    phone = await world.sign_up()
    laptop = await world.sign_in()
    world.clock.advance(minutes=1)

    activity = await world.set_account_active.execute(SetAccountActiveCommand(EMAIL, False))

    assert (activity.changed, activity.sessions_revoked) == (True, 2)
    assert world.store.users[phone.user.id].is_active is False
    for signed in (phone, laptop):
        assert world.session_of(signed).revoked_at == NOW + timedelta(minutes=1)
        with pytest.raises(InvalidToken):
            await world.refresh_with(signed.tokens.refresh_token)
        with pytest.raises(InvalidToken):
            await GetCurrentUser(world.unit_of_work).execute(world.principal_of(signed))
    with pytest.raises(AccountDisabled):
        await world.sign_in()


async def test_enabling_lets_the_owner_sign_in_again_but_brings_back_no_session() -> None:
    world = a_world()
    signed = await world.sign_up()
    await world.set_account_active.execute(SetAccountActiveCommand(EMAIL, False))

    activity = await world.set_account_active.execute(SetAccountActiveCommand(EMAIL, True))

    assert (activity.changed, activity.sessions_revoked) == (True, 0)
    assert world.store.users[signed.user.id].is_active is True
    assert world.session_of(signed).revoked_at is not None
    await world.sign_in()


async def test_asking_for_what_already_is_changes_nothing_and_says_so() -> None:
    world = a_world()
    await world.given_user()

    activity = await world.set_account_active.execute(SetAccountActiveCommand(EMAIL, True))

    assert activity.changed is False
    assert activity.user.is_active is True


async def test_disabling_leaves_other_accounts_alone() -> None:
    world = a_world()
    grace = await world.sign_up(email="grace@example.com")
    await world.sign_up()

    await world.set_account_active.execute(SetAccountActiveCommand(EMAIL, False))

    assert world.session_of(grace).revoked_at is None
    assert world.store.users[grace.user.id].is_active is True


async def test_disabling_is_reported_as_revoking_the_sessions() -> None:
    world = a_world()
    signed = await world.sign_up()
    world.events.events.clear()

    await world.set_account_active.execute(SetAccountActiveCommand(" ADA@example.com", False))

    [event] = world.events.events
    assert (event.kind, event.user_id, event.reason) == (
        SecurityEventKind.SESSION_REVOKED,
        signed.user.id,
        "account_disabled",
    )


async def test_an_unknown_email_is_not_found() -> None:
    world = a_world()
    await world.given_user()

    with pytest.raises(AccountNotFound):
        await world.set_account_active.execute(SetAccountActiveCommand("nobody@example.com", False))


async def test_an_invalid_email_is_refused() -> None:
    world = a_world()

    with pytest.raises(InvalidEmail):
        await world.set_account_active.execute(SetAccountActiveCommand("nobody", False))


async def test_disabling_and_revoking_are_one_transaction() -> None:
    world = a_world()
    await world.sign_up()
    commits = world.store.commits

    await world.set_account_active.execute(SetAccountActiveCommand(EMAIL, False))

    assert world.store.commits == commits + 1
