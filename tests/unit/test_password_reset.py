import pytest

from application.change_password import ChangePasswordCommand
from application.events import SecurityEventKind
from application.mail_throttling import ForgotPasswordLimits
from application.request_password_reset import RequestPasswordResetCommand
from application.reset_password import ResetPasswordCommand
from domain.errors import (
    CredentialsChanged,
    InvalidCredentials,
    InvalidLink,
    SessionRevoked,
    TooManyAttempts,
    WeakPassword,
)
from domain.one_time_link import LinkPurpose
from domain.session import Session
from tests.builders import EMAIL, PASSWORD, World, a_world
from tests.fakes.persistence import InMemorySessionRepository
from tests.fakes.security import FakePasswordHasher

NEW_PASSWORD = "a brand new passphrase for ada"


async def forgot(world: World, email: str = EMAIL, client_ip: str = "203.0.113.9") -> None:
    """Ask, then let the answering run (off the request path) as the sender loop would."""
    await world.request_password_reset.execute(RequestPasswordResetCommand(email, client_ip))
    await world.answer_reset_requests.execute()


async def reset(world: World, token: str, new_password: str = NEW_PASSWORD) -> None:
    await world.reset_password.execute(ResetPasswordCommand(token, new_password))


def reset_mails(world: World) -> list[str]:
    """The links of the reset mails in the outbox, oldest first."""
    rows = sorted(world.store.lifecycle.outbox.values(), key=lambda row: row.entry.created_at)
    return [row.entry.message.text for row in rows if "reset-password" in row.entry.message.text]


def last_token(world: World) -> str:
    return world.link_tokens.issued[-1]


async def test_forgot_mails_a_reset_link_with_the_token_in_the_fragment() -> None:
    world = a_world()
    await world.given_user()

    await forgot(world)

    [link] = reset_mails(world)
    assert link == f"http://127.0.0.1:8000/reset-password#token={last_token(world)}"
    assert world.events.kinds() == [SecurityEventKind.RESET_REQUESTED]


async def test_forgot_for_an_unknown_or_malformed_email_mails_nothing_and_says_nothing() -> None:
    world = a_world()
    await world.given_user()

    await forgot(world, "nobody@example.com")
    await forgot(world, "not an email")

    assert world.store.lifecycle.outbox == {}
    assert world.store.lifecycle.links == {}
    assert world.store.lifecycle.reset_requests == {}  # answered (by silence) and gone
    assert world.events.kinds() == []


async def test_the_request_path_does_the_same_work_for_every_email() -> None:
    world = a_world()
    await world.given_user()
    commands = [RequestPasswordResetCommand(e) for e in (EMAIL, "nobody@example.com", "junk")]

    for command in commands:
        before = world.store.commits
        await world.request_password_reset.execute(command)
        assert world.store.commits == before + 1

    # Only queued: no link, no mail, nothing that depends on the account, until answered.
    queued = sorted(r.email for r in world.store.lifecycle.reset_requests.values())
    assert queued == sorted(c.email for c in commands)
    assert world.store.lifecycle.links == {}
    assert world.store.lifecycle.outbox == {}


async def test_answering_takes_each_request_once() -> None:
    world = a_world()
    await world.given_user()
    await world.request_password_reset.execute(RequestPasswordResetCommand(EMAIL))

    assert (await world.answer_reset_requests.execute()).taken == 1
    assert (await world.answer_reset_requests.execute()).taken == 0
    assert len(reset_mails(world)) == 1


async def test_the_answering_loop_hears_of_every_queued_request_whatever_the_email() -> None:
    world = a_world()
    await world.given_user()

    for email in (EMAIL, "nobody@example.com", "not an email"):
        await world.request_password_reset.execute(RequestPasswordResetCommand(email))

    assert world.outbox_listener.heard == 3
    assert (await world.answer_reset_requests.execute()).waiting == 0


async def test_forgot_for_a_disabled_account_sends_nothing() -> None:
    world = a_world()
    await world.given_user(is_active=False)

    await forgot(world)

    assert world.store.lifecycle.outbox == {}


async def test_forgot_counts_every_request_per_email_and_address() -> None:
    world = a_world(forgot_limits=ForgotPasswordLimits(max_per_email_and_ip=2, max_per_ip=10))
    await world.given_user()

    await forgot(world)
    await forgot(world)
    with pytest.raises(TooManyAttempts):
        await forgot(world)
    await forgot(world, client_ip="198.51.100.1")  # another address has its own pair

    assert len(reset_mails(world)) == 3
    assert SecurityEventKind.LOGIN_THROTTLED in world.events.kinds()


async def test_forgot_counts_every_request_per_address_whatever_the_email() -> None:
    world = a_world(forgot_limits=ForgotPasswordLimits(max_per_email_and_ip=5, max_per_ip=3))

    for n in range(3):
        await forgot(world, f"user{n}@example.com")
    with pytest.raises(TooManyAttempts):
        await forgot(world, "another@example.com")


async def test_a_reset_sets_the_password_and_only_the_new_one_signs_in() -> None:
    world = a_world()
    await world.given_user()
    await forgot(world)

    await reset(world, last_token(world))

    await world.sign_in(password=NEW_PASSWORD)
    with pytest.raises(InvalidCredentials):
        await world.sign_in(password=PASSWORD)
    assert SecurityEventKind.RESET_DONE in world.events.kinds()


async def test_a_reset_revokes_every_session_of_the_account() -> None:
    world = a_world()
    phone = await world.sign_up()
    laptop = await world.sign_in()
    await forgot(world)

    await reset(world, last_token(world))

    for old in (phone, laptop):
        with pytest.raises(SessionRevoked):
            await world.refresh_with(old.tokens.refresh_token)


async def test_a_reset_link_works_once() -> None:
    world = a_world()
    await world.given_user()
    await forgot(world)
    token = last_token(world)
    await reset(world, token)

    with pytest.raises(InvalidLink):
        await reset(world, token, "yet another long passphrase")

    await world.sign_in(password=NEW_PASSWORD)
    assert SecurityEventKind.LINK_REFUSED in world.events.kinds()


async def test_a_reset_kills_every_other_outstanding_reset_link() -> None:
    world = a_world()
    user = await world.given_user()
    await forgot(world)
    first = last_token(world)
    # A second live reset link beside the first (forgot would have killed the first one).
    async with world.unit_of_work() as uow:
        await world.mailer.send(uow, user, LinkPurpose.RESET, world.clock.now())
        await uow.commit()
    second = last_token(world)

    await reset(world, second)

    with pytest.raises(InvalidLink):
        await reset(world, first, "yet another long passphrase")


async def test_a_newer_reset_link_leaves_the_older_ones_usable() -> None:
    world = a_world()
    await world.given_user()
    await forgot(world)
    older = last_token(world)
    await forgot(world)
    newer = last_token(world)

    await reset(world, older)  # asking again cancelled nothing
    with pytest.raises(InvalidLink):  # and using one link killed the other
        await reset(world, newer, "yet another long passphrase")


async def test_an_account_gets_three_reset_mails_an_hour_whatever_the_client_addresses() -> None:
    world = a_world()
    await world.given_user()

    for n in range(10):
        await forgot(world, client_ip=f"2001:db8:{n:x}::1")

    assert len(reset_mails(world)) == 3
    assert world.events.kinds() == [SecurityEventKind.RESET_REQUESTED] * 10
    assert [event.reason for event in world.events.events][3:] == ["mail_capped"] * 7
    world.clock.advance(hours=1)
    await forgot(world)
    assert len(reset_mails(world)) == 4  # an hour later, mail flows again


async def test_past_the_cap_one_more_mail_goes_when_no_link_is_usable_any_more() -> None:
    world = a_world()
    await world.given_user()
    for _ in range(3):
        await forgot(world)
    world.clock.advance(seconds=1800)  # every link expired (AUTH_RESET_TTL), within the hour

    await forgot(world)
    await forgot(world)

    assert len(reset_mails(world)) == 4  # one more, and then its link is usable again
    await reset(world, last_token(world))


async def test_a_password_change_kills_outstanding_reset_links() -> None:
    world = a_world()
    signed = await world.sign_up()
    await forgot(world)
    token = last_token(world)

    await world.change_password.execute(
        ChangePasswordCommand(world.principal_of(signed), PASSWORD, NEW_PASSWORD)
    )

    with pytest.raises(InvalidLink):
        await reset(world, token, "an attacker's chosen passphrase")


async def test_an_expired_reset_link_is_refused() -> None:
    world = a_world()
    await world.given_user()
    await forgot(world)
    world.clock.advance(seconds=world.link_settings.reset_ttl.total_seconds())

    with pytest.raises(InvalidLink):
        await reset(world, last_token(world))


async def test_a_verification_link_does_not_reset_a_password() -> None:
    world = a_world()
    await world.sign_up()  # mails a verification link

    with pytest.raises(InvalidLink):
        await reset(world, last_token(world))
    await world.sign_in(password=PASSWORD)


async def test_an_unknown_token_is_refused_like_any_other_bad_link() -> None:
    world = a_world()
    await world.given_user()

    with pytest.raises(InvalidLink):
        await reset(world, "x" * 43)


async def test_a_reset_to_a_weak_password_is_refused_and_keeps_the_link() -> None:
    world = a_world()
    await world.given_user()
    await forgot(world)
    token = last_token(world)

    with pytest.raises(WeakPassword) as refused:
        await reset(world, token, "short")

    assert refused.value.field == "new_password"
    await reset(world, token)


async def test_a_reset_link_of_a_disabled_account_is_refused() -> None:
    world = a_world()
    user = await world.given_user()
    await forgot(world)
    world.store.users[user.id].disable()

    with pytest.raises(InvalidLink):
        await reset(world, last_token(world))


async def test_a_reset_proves_the_email() -> None:
    world = a_world()
    user = await world.given_user()
    await forgot(world)

    await reset(world, last_token(world))

    assert world.store.users[user.id].email_verified is True


async def test_no_event_ever_holds_a_link_token() -> None:
    world = a_world()
    await world.given_user()
    await forgot(world)
    token = last_token(world)
    await reset(world, token)
    with pytest.raises(InvalidLink):
        await reset(world, token)

    assert all(token not in repr(event) for event in world.events.events)


async def test_a_login_whose_check_a_reset_overtook_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = a_world()
    await world.given_user()
    await forgot(world)
    token = last_token(world)
    verify = FakePasswordHasher.verify

    async def verify_then_reset_elsewhere(
        self: FakePasswordHasher, password_hash: str, password: str
    ) -> bool:
        matched = await verify(self, password_hash, password)
        monkeypatch.setattr(FakePasswordHasher, "verify", verify)
        await reset(world, token)
        return matched

    monkeypatch.setattr(FakePasswordHasher, "verify", verify_then_reset_elsewhere)

    with pytest.raises(InvalidCredentials):
        await world.sign_in()

    assert world.store.sessions == {}
    assert world.events.events[-1].reason == "credentials_changed"


async def test_a_session_from_a_login_checked_before_a_reset_cannot_refresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = a_world()
    await world.given_user()
    await forgot(world)
    token = last_token(world)
    add = InMemorySessionRepository.add

    async def reset_then_add(self: InMemorySessionRepository, session: Session) -> None:
        # The login's writing transaction found the credentials unchanged; the reset commits
        # before the login's session does, so its revocation of every session misses this one.
        monkeypatch.setattr(InMemorySessionRepository, "add", add)
        await reset(world, token)
        await add(self, session)

    monkeypatch.setattr(InMemorySessionRepository, "add", reset_then_add)
    in_flight = await world.sign_in()

    assert world.session_of(in_flight).revoked_at is None
    with pytest.raises(CredentialsChanged):
        await world.refresh_with(in_flight.tokens.refresh_token)
    await world.sign_in(password=NEW_PASSWORD)
