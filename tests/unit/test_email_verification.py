import pytest

from application.events import SecurityEventKind
from application.request_password_reset import RequestPasswordResetCommand
from application.send_email_verification import SendEmailVerificationCommand
from application.verify_email import VerifyEmailCommand
from domain.errors import EmailUnverified, InvalidCredentials, InvalidLink, TooManyAttempts
from tests.builders import PASSWORD, World, a_world


def last_token(world: World) -> str:
    return world.link_tokens.issued[-1]


async def verify(world: World, token: str) -> None:
    await world.verify_email.execute(VerifyEmailCommand(token))


async def test_registering_mails_a_verification_link_committed_with_the_account() -> None:
    world = a_world()

    signed = await world.sign_up()

    assert signed.user.email_verified is False
    [row] = world.store.lifecycle.outbox.values()
    assert row.entry.user_id == signed.user.id
    assert row.entry.message.to == signed.user.email
    assert row.entry.message.text == (
        f"http://127.0.0.1:8000/verify-email#token={last_token(world)}"
    )


async def test_following_the_verification_link_verifies_the_email_once() -> None:
    world = a_world()
    signed = await world.sign_up()
    token = last_token(world)

    await verify(world, token)

    assert world.store.users[signed.user.id].email_verified is True
    assert SecurityEventKind.EMAIL_VERIFIED in world.events.kinds()
    with pytest.raises(InvalidLink):
        await verify(world, token)


async def test_an_expired_or_unknown_verification_link_is_refused() -> None:
    world = a_world()
    signed = await world.sign_up()
    world.clock.advance(seconds=world.link_settings.verify_ttl.total_seconds())

    with pytest.raises(InvalidLink):
        await verify(world, last_token(world))
    with pytest.raises(InvalidLink):
        await verify(world, "y" * 43)
    assert world.store.users[signed.user.id].email_verified is False
    assert world.events.kinds().count(SecurityEventKind.LINK_REFUSED) == 2


async def test_a_reset_link_does_not_verify_an_email() -> None:
    world = a_world()
    signed = await world.sign_up()
    await world.request_password_reset.execute(RequestPasswordResetCommand(signed.user.email.value))
    await world.answer_reset_requests.execute()

    with pytest.raises(InvalidLink):
        await verify(world, last_token(world))
    assert world.store.users[signed.user.id].email_verified is False


async def test_asking_again_mails_a_fresh_link_that_verifies() -> None:
    world = a_world()
    signed = await world.sign_up()

    sent = await world.send_email_verification.execute(
        SendEmailVerificationCommand(world.principal_of(signed))
    )

    assert sent is True
    assert len(world.store.lifecycle.outbox) == 2
    await verify(world, last_token(world))
    assert world.store.users[signed.user.id].email_verified is True


async def test_a_verified_account_gets_no_more_verification_mail() -> None:
    world = a_world()
    signed = await world.sign_up()
    await verify(world, last_token(world))

    sent = await world.send_email_verification.execute(
        SendEmailVerificationCommand(world.principal_of(signed))
    )

    assert sent is False
    assert len(world.store.lifecycle.outbox) == 1


async def test_the_outbox_loop_hears_of_each_queued_verification_mail_and_no_other() -> None:
    world = a_world()
    signed = await world.sign_up()
    assert world.outbox_listener.heard == 1  # the mail queued with the account

    command = SendEmailVerificationCommand(world.principal_of(signed))
    await world.send_email_verification.execute(command)
    assert world.outbox_listener.heard == 2

    await verify(world, last_token(world))
    assert await world.send_email_verification.execute(command) is False
    assert world.outbox_listener.heard == 2  # nothing queued, nothing to wake for


async def test_verification_mails_are_capped_per_account() -> None:
    world = a_world()
    signed = await world.sign_up()
    command = SendEmailVerificationCommand(world.principal_of(signed))

    for _ in range(5):
        await world.send_email_verification.execute(command)
    with pytest.raises(TooManyAttempts):
        await world.send_email_verification.execute(command)


async def test_when_verified_emails_are_required_an_unverified_login_is_refused() -> None:
    world = a_world(require_verified_email=True)
    await world.sign_up()

    with pytest.raises(EmailUnverified):
        await world.sign_in()
    await verify(world, last_token(world))
    await world.sign_in()


async def test_an_unverified_email_is_only_told_after_the_right_password() -> None:
    world = a_world(require_verified_email=True)
    await world.sign_up()

    with pytest.raises(InvalidCredentials):
        await world.sign_in(password=PASSWORD + "wrong")


async def test_by_default_an_unverified_email_signs_in() -> None:
    world = a_world()
    await world.sign_up()

    signed = await world.sign_in()

    assert signed.user.email_verified is False
