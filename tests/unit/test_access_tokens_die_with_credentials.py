"""Access tokens die with their credentials (docs/api.md "Refresh sessions"): after a password
change, a reset, logout-all, a disable or a deletion, every earlier access token opens nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from application.change_password import ChangePasswordCommand
from application.count_sessions import CountSessionsCommand
from application.delete_account import DeleteAccountCommand
from application.list_sessions import ListSessionsCommand
from application.logout_all import LogoutAllCommand
from application.operator.set_account_active import SetAccountActiveCommand
from application.request_password_reset import RequestPasswordResetCommand
from application.reset_password import ResetPasswordCommand
from application.results import AuthResult, Principal
from application.revoke_session import RevokeSessionCommand
from application.send_email_verification import SendEmailVerificationCommand
from domain.auth_methods import PASSKEY, PASSWORD_AND_CODE, PASSWORD_ONLY, AuthMethods
from domain.errors import InvalidToken
from tests.builders import EMAIL, PASSWORD, World, a_world

NEW_PASSWORD = "a brand new passphrase for ada"

BearerCall = Callable[[World, Principal], Awaitable[object]]


def every_bearer_use_case(session_id: str) -> dict[str, BearerCall]:
    """Each use case behind a bearer endpoint, with a command that would otherwise succeed."""
    return {
        "get_current_user": lambda world, principal: world.get_current_user.execute(principal),
        "list_sessions": lambda world, principal: world.list_sessions.execute(
            ListSessionsCommand(principal)
        ),
        "count_sessions": lambda world, principal: world.count_sessions.execute(
            CountSessionsCommand(principal)
        ),
        "revoke_session": lambda world, principal: world.revoke_session.execute(
            RevokeSessionCommand(principal, session_id)
        ),
        "logout_all": lambda world, principal: world.logout_all.execute(
            LogoutAllCommand(principal)
        ),
        "change_password": lambda world, principal: world.change_password.execute(
            ChangePasswordCommand(principal, PASSWORD, "yet another passphrase for ada")
        ),
        "send_email_verification": lambda world, principal: world.send_email_verification.execute(
            SendEmailVerificationCommand(principal)
        ),
        "delete_account": lambda world, principal: world.delete_account.execute(
            DeleteAccountCommand(principal, PASSWORD)
        ),
    }


async def change_password(world: World, signed: AuthResult) -> None:
    await world.change_password.execute(
        ChangePasswordCommand(world.principal_of(signed), PASSWORD, NEW_PASSWORD)
    )


async def reset_password(world: World, signed: AuthResult) -> None:
    await world.request_password_reset.execute(RequestPasswordResetCommand(EMAIL, "203.0.113.9"))
    await world.answer_reset_requests.execute()
    await world.reset_password.execute(
        ResetPasswordCommand(world.link_tokens.issued[-1], NEW_PASSWORD)
    )


async def logout_all(world: World, signed: AuthResult) -> None:
    await world.logout_all.execute(LogoutAllCommand(world.principal_of(signed)))


async def disable(world: World, signed: AuthResult) -> None:
    await world.set_account_active.execute(SetAccountActiveCommand(EMAIL, active=False))


async def disable_and_enable(world: World, signed: AuthResult) -> None:
    await disable(world, signed)
    await world.set_account_active.execute(SetAccountActiveCommand(EMAIL, active=True))


async def delete(world: World, signed: AuthResult) -> None:
    del world.store.users[signed.user.id]


CREDENTIAL_EVENTS = [
    change_password,
    reset_password,
    logout_all,
    disable,
    disable_and_enable,
    delete,
]


@pytest.mark.parametrize("event", CREDENTIAL_EVENTS, ids=lambda event: event.__name__)
@pytest.mark.parametrize("use_case", list(every_bearer_use_case("")))
async def test_an_access_token_from_before_a_credential_event_opens_no_bearer_use_case(
    event: Callable[[World, AuthResult], Awaitable[None]], use_case: str
) -> None:
    world = a_world()
    signed = await world.sign_up()
    other_device = await world.sign_in()
    principal = world.principal_of(other_device)
    await event(world, signed)
    commits = world.store.commits
    mails = len(world.store.lifecycle.outbox)

    with pytest.raises(InvalidToken):
        await every_bearer_use_case(str(world.session_of(signed).id))[use_case](world, principal)

    assert world.store.commits == commits  # refused before anything was written
    assert len(world.store.lifecycle.outbox) == mails


async def test_after_a_password_change_only_the_token_in_its_answer_works() -> None:
    world = a_world()
    signed = await world.sign_up()

    changed = await world.change_password.execute(
        ChangePasswordCommand(world.principal_of(signed), PASSWORD, NEW_PASSWORD)
    )

    fresh = world.principal_of(changed)
    assert fresh.credentials_version == world.store.users[signed.user.id].credentials_version
    assert (await world.get_current_user.execute(fresh)).id == signed.user.id
    with pytest.raises(InvalidToken):
        await world.get_current_user.execute(world.principal_of(signed))


async def test_logging_out_everywhere_counts_one_credential_change_with_the_revocation() -> None:
    world = a_world()
    signed = await world.sign_up()
    before = world.store.users[signed.user.id].credentials_version
    commits = world.store.commits

    await world.logout_all.execute(LogoutAllCommand(world.principal_of(signed)))

    assert world.store.commits == commits + 1  # the version and the revocation in one commit
    assert world.store.users[signed.user.id].credentials_version == before + 1
    assert world.session_of(signed).revoked_at is not None


async def test_after_logging_out_everywhere_a_new_login_opens_the_bearer_use_cases() -> None:
    world = a_world()
    signed = await world.sign_up()
    await world.logout_all.execute(LogoutAllCommand(world.principal_of(signed)))

    again = await world.sign_in()

    assert (await world.get_current_user.execute(world.principal_of(again))).id == signed.user.id


@pytest.mark.parametrize("kept", ["logout", "revoke_session"])
async def test_ending_one_session_leaves_the_access_tokens_valid(kept: str) -> None:
    # docs/api.md: logout and deleting a session do not change the credentials.
    world = a_world()
    phone = await world.sign_up()
    laptop = await world.sign_in()
    if kept == "logout":
        await world.sign_out(phone.tokens.refresh_token)
    else:
        await world.revoke_session.execute(
            RevokeSessionCommand(world.principal_of(laptop), str(world.session_of(phone).id))
        )

    assert (await world.get_current_user.execute(world.principal_of(phone))).id == phone.user.id


async def test_every_session_signs_in_with_a_password_for_now() -> None:
    world = a_world()
    registered = await world.sign_up()
    logged_in = await world.sign_in()
    changed = await world.change_password.execute(
        ChangePasswordCommand(world.principal_of(logged_in), PASSWORD, NEW_PASSWORD)
    )

    for signed in (registered, logged_in, changed):
        assert world.session_of(signed).amr == PASSWORD_ONLY
        assert world.claims_of(signed.tokens.access_token).amr == PASSWORD_ONLY
    [listed] = await world.list_sessions.execute(ListSessionsCommand(world.principal_of(changed)))
    assert listed.amr == PASSWORD_ONLY


@pytest.mark.parametrize("amr", [PASSWORD_AND_CODE, PASSKEY], ids=" ".join)
async def test_a_refresh_keeps_the_amr_its_session_started_with(amr: AuthMethods) -> None:
    world = a_world()
    user = await world.given_user()
    now = world.clock.now()
    session = world.issuer.start_session(user, now, "pytest", amr=amr)
    async with world.unit_of_work() as uow:
        await uow.sessions.add(session)
        await uow.commit()
    first = world.issuer.tokens_for(session, now)
    world.clock.advance(minutes=1)

    refreshed = await world.refresh_with(first.refresh_token)

    assert world.claims_of(refreshed.tokens.access_token).amr == amr
    assert world.store.sessions[session.id].amr == amr
