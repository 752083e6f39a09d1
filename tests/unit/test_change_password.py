import asyncio
from datetime import timedelta

import pytest

from application.change_password import ChangePasswordCommand
from application.events import SecurityEventKind
from application.ports import Overloaded, StoreUnavailable
from application.results import AuthResult
from application.throttling import LoginLimits
from domain.errors import (
    InvalidCredentials,
    InvalidToken,
    SessionRevoked,
    TooManyAttempts,
    WeakPassword,
    WrongCurrentPassword,
)
from domain.tokens import TokenType
from tests.builders import EMAIL, NOW, PASSWORD, World, a_world
from tests.fakes.security import FakePasswordHasher

NEW_PASSWORD = "a brand new passphrase for ada"
WRONG = "not the password at all"
IP, OTHER_IP = "192.0.2.1", "198.51.100.7"
LIMITS = LoginLimits(max_failures=3, max_failures_per_ip=5, window=timedelta(minutes=15))


async def change(
    world: World,
    caller: AuthResult,
    current: str = PASSWORD,
    new: str = NEW_PASSWORD,
    user_agent: str | None = "Firefox",
    client_ip: str | None = IP,
) -> AuthResult:
    principal = world.principal_of(caller)
    command = ChangePasswordCommand(principal, current, new, user_agent, client_ip)
    return await world.change_password.execute(command)


async def test_after_a_change_only_the_new_password_signs_in() -> None:
    world = a_world()
    signed = await world.sign_up()

    await change(world, signed)

    await world.sign_in(password=NEW_PASSWORD)
    with pytest.raises(InvalidCredentials):
        await world.sign_in(password=PASSWORD)


async def test_a_change_revokes_every_session_including_the_callers() -> None:
    world = a_world()
    phone = await world.sign_up()
    laptop = await world.sign_in()
    world.clock.advance(minutes=1)

    await change(world, laptop)

    for old in (phone, laptop):
        assert world.session_of(old).revoked_at is not None
        with pytest.raises(SessionRevoked):
            await world.refresh_with(old.tokens.refresh_token)


async def test_a_change_signs_the_caller_in_on_a_fresh_session() -> None:
    world = a_world()
    signed = await world.sign_up()
    world.clock.advance(minutes=1)

    changed = await change(world, signed, user_agent="Firefox")

    fresh = world.session_of(changed)
    assert fresh.id != world.session_of(signed).id
    assert fresh.revoked_at is None
    assert fresh.user_agent == "Firefox"
    assert world.codec.decode(changed.tokens.access_token, TokenType.ACCESS).session_id == fresh.id
    await world.refresh_with(changed.tokens.refresh_token)


async def test_a_wrong_current_password_changes_nothing() -> None:
    world = a_world()
    signed = await world.sign_up()
    stored_hash = world.store.users[signed.user.id].password_hash
    commits = world.store.commits

    with pytest.raises(WrongCurrentPassword):
        await change(world, signed, current="not the password at all")

    assert world.store.users[signed.user.id].password_hash == stored_hash
    assert world.store.commits == commits
    assert world.session_of(signed).revoked_at is None


@pytest.mark.parametrize("weak", ["short", EMAIL.upper(), "password12345678"])
async def test_a_weak_new_password_is_refused_naming_the_field_and_changes_nothing(
    weak: str,
) -> None:
    world = a_world()
    signed = await world.sign_up()
    commits = world.store.commits

    with pytest.raises(WeakPassword) as refused:
        await change(world, signed, new=weak)

    assert refused.value.field == "new_password"
    assert world.store.commits == commits
    await world.sign_in(password=PASSWORD)


async def test_a_change_is_reported_as_revoking_the_sessions() -> None:
    world = a_world()
    signed = await world.sign_up()
    principal = world.principal_of(signed)
    world.events.events.clear()

    await change(world, signed)

    [event] = world.events.events
    assert (event.kind, event.user_id, event.session_id, event.reason) == (
        SecurityEventKind.SESSION_REVOKED,
        principal.user_id,
        principal.session_id,
        "password_changed",
    )


async def test_the_changed_user_comes_back_with_the_new_hash() -> None:
    world = a_world()
    signed = await world.sign_up()

    changed = await change(world, signed)

    assert changed.user.id == signed.user.id
    assert changed.user.created_at == NOW
    assert await world.hasher.verify(changed.user.password_hash, NEW_PASSWORD)


@pytest.mark.parametrize("account", ["disabled", "deleted"])
async def test_an_account_that_is_gone_or_disabled_cannot_change_its_password(
    account: str,
) -> None:
    world = a_world()
    signed = await world.sign_up()
    if account == "disabled":
        world.store.users[signed.user.id].is_active = False
    else:
        del world.store.users[signed.user.id]
    commits = world.store.commits

    with pytest.raises(InvalidToken):
        await change(world, signed)

    assert world.store.commits == commits


async def test_an_account_disabled_while_the_password_is_hashed_is_not_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = a_world()
    signed = await world.sign_up()
    real_hash = world.hasher.hash

    async def hash_while_an_operator_disables(password: str) -> str:
        world.store.users[signed.user.id].is_active = False
        return await real_hash(password)

    monkeypatch.setattr(world.hasher, "hash", hash_while_an_operator_disables)
    commits = world.store.commits

    with pytest.raises(InvalidToken):
        await change(world, signed)

    assert world.store.commits == commits
    assert world.session_of(signed).revoked_at is None


async def test_a_wrong_current_password_counts_as_a_failed_login_of_the_account() -> None:
    world = a_world(login_limits=LIMITS)
    signed = await world.sign_up(client_ip=IP)
    for _ in range(LIMITS.max_failures):
        with pytest.raises(WrongCurrentPassword):
            await change(world, signed, current=WRONG)
    verifications = world.hasher.verifications

    with pytest.raises(TooManyAttempts) as refused:
        await change(world, signed)  # even the right password, which is not even checked
    with pytest.raises(TooManyAttempts):
        await world.sign_in(client_ip=IP)  # and the same pair at login

    assert refused.value.retry_after == 15 * 60
    assert world.hasher.verifications == verifications
    await world.sign_in(client_ip=OTHER_IP)  # another address is a pair of its own


async def test_wrong_current_passwords_count_against_the_address_cap() -> None:
    world = a_world(login_limits=LIMITS)
    signed = await world.sign_up(client_ip=IP)
    for index in range(LIMITS.max_failures_per_ip - 1):
        with pytest.raises(InvalidCredentials):
            await world.sign_in(email=f"guess{index}@example.com", password=WRONG, client_ip=IP)
    with pytest.raises(WrongCurrentPassword):
        await change(world, signed, current=WRONG)

    with pytest.raises(TooManyAttempts) as refused:
        await change(world, signed)

    assert refused.value.reason == "ip"


async def test_concurrent_wrong_current_passwords_check_at_most_the_limit() -> None:
    world = a_world(login_limits=LIMITS, hasher=FakePasswordHasher(yields=True))
    signed = await world.sign_up(client_ip=IP)

    outcomes = await asyncio.gather(
        *(change(world, signed, current=WRONG) for _ in range(20)), return_exceptions=True
    )

    assert world.hasher.verifications == LIMITS.max_failures
    assert sum(isinstance(o, TooManyAttempts) for o in outcomes) == 20 - LIMITS.max_failures


async def test_the_right_current_password_clears_the_failures_of_the_pair() -> None:
    world = a_world(login_limits=LIMITS)
    signed = await world.sign_up(client_ip=IP)
    for _ in range(LIMITS.max_failures - 1):
        with pytest.raises(WrongCurrentPassword):
            await change(world, signed, current=WRONG)

    changed = await change(world, signed)

    for _ in range(LIMITS.max_failures - 1):
        with pytest.raises(InvalidCredentials):
            await world.sign_in(password=WRONG, client_ip=IP)
    await world.sign_in(password=NEW_PASSWORD, client_ip=IP)
    assert changed.user.id == signed.user.id


async def test_wrong_and_throttled_current_passwords_are_security_events() -> None:
    world = a_world(login_limits=LIMITS)
    signed = await world.sign_up(client_ip=IP)
    for _ in range(LIMITS.max_failures):
        with pytest.raises(WrongCurrentPassword):
            await change(world, signed, current=WRONG)
    with pytest.raises(TooManyAttempts):
        await change(world, signed)

    reported = [e for e in world.events.events if e.kind is not SecurityEventKind.REGISTERED]
    assert [e.kind for e in reported] == [SecurityEventKind.REAUTHENTICATION_FAILED] * 3 + [
        SecurityEventKind.REAUTHENTICATION_THROTTLED
    ]
    assert {(e.user_id, e.client_ip, e.reason) for e in reported} == {
        (signed.user.id, IP, "change_password")
    }


async def test_an_outage_or_overload_during_the_check_uses_up_no_try() -> None:
    world = a_world(login_limits=LIMITS)
    signed = await world.sign_up(client_ip=IP)
    world.hasher.overloaded = True
    for _ in range(10):
        with pytest.raises(Overloaded):
            await change(world, signed, current=WRONG)
    world.hasher.overloaded = False
    world.store.down = True
    for _ in range(10):
        with pytest.raises(StoreUnavailable):
            await change(world, signed)
    world.store.down = False

    assert [key for key in world.attempts.windows if key.startswith("login:")] == []
    await change(world, signed)
