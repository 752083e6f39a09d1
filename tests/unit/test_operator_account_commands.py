import pytest

from application.events import SecurityEventKind
from application.operator.mark_email_verified import MarkEmailVerified, MarkEmailVerifiedCommand
from application.operator.remove_account import RemoveAccount, RemoveAccountCommand
from application.operator.send_test_mail import SendTestMail, SendTestMailCommand
from domain.errors import AccountNotFound, InvalidEmail, InvalidToken
from tests.builders import a_world
from tests.fakes.lifecycle import PlainComposer


async def test_an_operator_marks_an_email_verified_once() -> None:
    world = a_world()
    signed = await world.sign_up()
    verify = MarkEmailVerified(world.unit_of_work, world.events)

    first = await verify.execute(MarkEmailVerifiedCommand("ADA@example.com"))
    again = await verify.execute(MarkEmailVerifiedCommand("ada@example.com"))

    assert (first.changed, again.changed) == (True, False)
    assert world.store.users[signed.user.id].email_verified is True
    assert world.events.kinds().count(SecurityEventKind.EMAIL_VERIFIED) == 1


async def test_an_operator_removes_an_account_with_everything_it_had() -> None:
    world = a_world()
    signed = await world.sign_up()

    removed = await RemoveAccount(world.unit_of_work, world.events).execute(
        RemoveAccountCommand("ada@example.com")
    )

    assert removed.id == signed.user.id
    assert world.store.users == {}
    assert world.store.sessions == {}
    assert world.store.lifecycle.links == {}
    assert world.store.lifecycle.outbox == {}
    with pytest.raises(InvalidToken):
        await world.get_current_user.execute(world.principal_of(signed))


async def test_operator_commands_name_an_unknown_account() -> None:
    world = a_world()

    with pytest.raises(AccountNotFound):
        await RemoveAccount(world.unit_of_work, world.events).execute(
            RemoveAccountCommand("x@example.com")
        )
    with pytest.raises(AccountNotFound):
        await MarkEmailVerified(world.unit_of_work, world.events).execute(
            MarkEmailVerifiedCommand("x@example.com")
        )


async def test_a_test_mail_goes_straight_to_the_sender() -> None:
    world = a_world()
    send = SendTestMail(PlainComposer(), world.mail)

    await send.execute(SendTestMailCommand(" Ops@Example.com "))

    assert [m.to.value for m in world.mail.sent] == ["ops@example.com"]
    with pytest.raises(InvalidEmail):
        await send.execute(SendTestMailCommand("not an address"))
