"""The use cases report what happened, with ids only, so logs and metrics can follow."""

from __future__ import annotations

import pytest

from application.events import SecurityEventKind as Kind
from application.login import LoginCommand
from domain.errors import AccountDisabled, InvalidCredentials
from tests.builders import EMAIL, PASSWORD, a_world


async def test_registering_reports_the_new_user_and_session() -> None:
    world = a_world()

    result = await world.sign_up()

    [event] = world.events.events
    assert event.kind is Kind.REGISTERED
    assert event.user_id == result.user.id
    assert event.session_id == world.claims_of(result.tokens.refresh_token).session_id


async def test_each_kind_of_failed_login_is_reported_with_its_reason() -> None:
    world = a_world()
    user = await world.given_user(email=EMAIL, password=PASSWORD)

    for command in (
        LoginCommand("nobody@example.com", PASSWORD),
        LoginCommand(EMAIL, "wrong password, long enough"),
    ):
        with pytest.raises(InvalidCredentials):
            await world.login.execute(command)

    assert [(e.kind, e.user_id, e.reason) for e in world.events.events] == [
        (Kind.LOGIN_FAILED, None, "unknown_email"),
        (Kind.LOGIN_FAILED, user.id, "wrong_password"),
    ]


async def test_a_disabled_account_with_the_right_password_is_reported_as_such() -> None:
    world = a_world()
    await world.given_user(email=EMAIL, password=PASSWORD, is_active=False)

    with pytest.raises(AccountDisabled):
        await world.login.execute(LoginCommand(EMAIL, PASSWORD))

    assert world.events.events[-1].reason == "account_disabled"


async def test_login_refresh_and_logout_are_reported_in_order() -> None:
    world = a_world()
    await world.given_user(email=EMAIL, password=PASSWORD)

    signed_in = await world.sign_in()
    refreshed = await world.refresh_with(signed_in.tokens.refresh_token)
    await world.sign_out(refreshed.tokens.refresh_token)

    assert world.events.kinds() == [Kind.LOGIN_SUCCEEDED, Kind.REFRESHED, Kind.SESSION_REVOKED]
    assert world.events.events[-1].reason == "logout"
    assert len({e.session_id for e in world.events.events}) == 1
