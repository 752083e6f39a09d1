import asyncio

import pytest

from application.delete_account import DeleteAccountCommand
from application.events import SecurityEventKind
from application.logout_all import LogoutAllCommand
from application.request_password_reset import RequestPasswordResetCommand
from application.results import AuthResult
from application.throttling import LoginLimits
from domain.errors import (
    InvalidCredentials,
    InvalidToken,
    SessionRevoked,
    TooManyAttempts,
    WrongCurrentPassword,
)
from tests.builders import EMAIL, PASSWORD, World, a_world
from tests.fakes.security import FakePasswordHasher

IP = "203.0.113.9"


async def delete(world: World, caller: AuthResult, password: str = PASSWORD) -> None:
    await world.delete_account.execute(
        DeleteAccountCommand(world.principal_of(caller), password, IP)
    )


async def test_deleting_removes_the_account_its_sessions_links_and_queued_mail() -> None:
    world = a_world()
    signed = await world.sign_up()  # a verification link and its mail
    await world.request_password_reset.execute(RequestPasswordResetCommand(EMAIL))
    await world.answer_reset_requests.execute()
    await world.sign_in()

    await delete(world, signed)

    assert world.store.users == {}
    assert world.store.sessions == {}
    assert world.store.lifecycle.links == {}
    assert world.store.lifecycle.outbox == {}
    assert SecurityEventKind.ACCOUNT_DELETED in world.events.kinds()


async def test_a_deleted_account_cannot_sign_in_refresh_or_use_its_access_token() -> None:
    world = a_world()
    signed = await world.sign_up()

    await delete(world, signed)

    with pytest.raises(InvalidCredentials):
        await world.sign_in()
    with pytest.raises(InvalidToken):
        await world.refresh_with(signed.tokens.refresh_token)
    with pytest.raises(InvalidToken):
        await world.get_current_user.execute(world.principal_of(signed))


async def test_the_email_can_register_again_after_deletion() -> None:
    world = a_world()
    signed = await world.sign_up()
    await delete(world, signed)

    again = await world.sign_up()

    assert again.user.id != signed.user.id


async def test_a_wrong_password_deletes_nothing_and_counts_as_a_failed_login() -> None:
    world = a_world()
    signed = await world.sign_up()

    with pytest.raises(WrongCurrentPassword):
        await delete(world, signed, "not the password at all")

    assert signed.user.id in world.store.users
    await world.refresh_with(signed.tokens.refresh_token)
    failures = [
        e for e in world.events.events if e.kind is SecurityEventKind.REAUTHENTICATION_FAILED
    ]
    assert [(e.user_id, e.client_ip, e.reason) for e in failures] == [
        (signed.user.id, IP, "delete_account")
    ]


async def test_wrong_passwords_are_throttled_like_logins() -> None:
    world = a_world(login_limits=LoginLimits(max_failures=2))
    signed = await world.sign_up()
    for _ in range(2):
        with pytest.raises(WrongCurrentPassword):
            await delete(world, signed, "not the password at all")

    with pytest.raises(TooManyAttempts):
        await delete(world, signed)  # even the right one, as at login
    with pytest.raises(TooManyAttempts):
        await world.sign_in(client_ip=IP)
    assert signed.user.id in world.store.users


async def test_a_revoked_session_does_not_stop_deletion_but_a_gone_account_does() -> None:
    world = a_world()
    signed = await world.sign_up()
    await world.sign_out(signed.tokens.refresh_token)
    with pytest.raises(SessionRevoked):
        await world.refresh_with(signed.tokens.refresh_token)

    await delete(world, signed)

    with pytest.raises(InvalidToken):
        await delete(world, signed)


async def test_a_token_made_stale_while_the_password_is_checked_deletes_nothing() -> None:
    # The password check runs between two transactions; a logout-all that lands meanwhile
    # raises the account's credentials version, and the token that asked must then fall.
    world = a_world(hasher=FakePasswordHasher(yields=True))
    signed = await world.sign_up()

    results = await asyncio.gather(
        delete(world, signed),
        world.logout_all.execute(LogoutAllCommand(world.principal_of(signed))),
        return_exceptions=True,
    )

    assert isinstance(results[0], InvalidToken)
    assert results[1] == 1  # logout-all went through and revoked the one session
    assert len(world.store.users) == 1
