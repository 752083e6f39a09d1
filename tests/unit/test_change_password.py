import pytest

from application.change_password import ChangePasswordCommand
from application.events import SecurityEventKind
from application.results import AuthResult
from domain.errors import (
    InvalidCredentials,
    InvalidToken,
    SessionRevoked,
    WeakPassword,
    WrongCurrentPassword,
)
from domain.tokens import TokenType
from tests.builders import EMAIL, NOW, PASSWORD, World, a_world

NEW_PASSWORD = "a brand new passphrase for ada"


async def change(
    world: World,
    caller: AuthResult,
    current: str = PASSWORD,
    new: str = NEW_PASSWORD,
    user_agent: str | None = "Firefox",
) -> AuthResult:
    command = ChangePasswordCommand(world.principal_of(caller), current, new, user_agent)
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
