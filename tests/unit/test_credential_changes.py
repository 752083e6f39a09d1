"""No session outlives a credential change, even one whose login was in flight at the change."""

from __future__ import annotations

import asyncio

import pytest

from application.change_password import ChangePasswordCommand
from application.operator.set_account_active import SetAccountActiveCommand
from application.results import AuthResult
from application.throttling import LoginLimits
from domain.errors import InvalidCredentials, InvalidToken
from tests.builders import EMAIL, PASSWORD, World, a_world
from tests.fakes.security import FakePasswordHasher

NEW_PASSWORD = "a brand new passphrase for ada"


def change_password_of(world: World, caller: AuthResult) -> ChangePasswordCommand:
    return ChangePasswordCommand(world.principal_of(caller), PASSWORD, NEW_PASSWORD)


async def refreshes(world: World, result: AuthResult) -> bool:
    try:
        await world.refresh_with(result.tokens.refresh_token)
    except InvalidToken:
        return False
    return True


async def test_a_login_whose_check_a_password_change_overtook_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = a_world()
    owner = await world.sign_up()
    verify = FakePasswordHasher.verify

    async def verify_then_change_elsewhere(
        self: FakePasswordHasher, password_hash: str, password: str
    ) -> bool:
        matched = await verify(self, password_hash, password)
        monkeypatch.setattr(FakePasswordHasher, "verify", verify)
        await world.change_password.execute(change_password_of(world, owner))
        return matched

    monkeypatch.setattr(FakePasswordHasher, "verify", verify_then_change_elsewhere)
    sessions = len(world.store.sessions)

    with pytest.raises(InvalidCredentials):
        await world.sign_in()

    assert len(world.store.sessions) == sessions + 1  # the change's own session only
    assert world.events.events[-1].reason == "credentials_changed"


async def test_a_login_overtaken_by_a_disable_and_an_enable_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = a_world()
    await world.given_user()
    verify = FakePasswordHasher.verify

    async def verify_then_disable_and_enable(
        self: FakePasswordHasher, password_hash: str, password: str
    ) -> bool:
        matched = await verify(self, password_hash, password)
        monkeypatch.setattr(FakePasswordHasher, "verify", verify)
        await world.set_account_active.execute(SetAccountActiveCommand(EMAIL, active=False))
        await world.set_account_active.execute(SetAccountActiveCommand(EMAIL, active=True))
        return matched

    monkeypatch.setattr(FakePasswordHasher, "verify", verify_then_disable_and_enable)

    with pytest.raises(InvalidCredentials):
        await world.sign_in()

    assert world.store.sessions == {}


async def test_of_logins_racing_a_password_change_none_leaves_a_session_that_refreshes() -> None:
    world = a_world(login_limits=LoginLimits(max_failures=100))
    owner = await world.sign_up()

    outcomes = await asyncio.gather(
        *(world.sign_in() for _ in range(10)),
        world.change_password.execute(change_password_of(world, owner)),
        *(world.sign_in() for _ in range(10)),
        return_exceptions=True,
    )

    changed = outcomes[10]
    assert isinstance(changed, AuthResult)
    logins = [o for o in outcomes[:10] + outcomes[11:] if isinstance(o, AuthResult)]
    # Some logins stored their session after the change revoked every session it saw.
    assert any(world.session_of(login).revoked_at is None for login in logins)
    assert [await refreshes(world, login) for login in logins] == [False] * len(logins)
    assert await refreshes(world, changed)


async def test_a_rehash_at_login_is_no_credential_change() -> None:
    world = a_world()
    await world.given_user()
    earlier = await world.sign_in()
    world.hasher.version = 2

    await world.sign_in()  # replaces the hash

    assert await refreshes(world, earlier)


async def test_a_rehash_at_login_never_overwrites_a_password_change_made_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = a_world()
    owner = await world.sign_up()
    world.hasher.version = 2
    rehash = FakePasswordHasher.hash

    async def rehash_while_the_password_changes(self: FakePasswordHasher, password: str) -> str:
        monkeypatch.setattr(FakePasswordHasher, "hash", rehash)
        await world.change_password.execute(change_password_of(world, owner))
        return await rehash(self, password)

    monkeypatch.setattr(FakePasswordHasher, "hash", rehash_while_the_password_changes)

    with pytest.raises(InvalidCredentials):
        await world.sign_in()

    await world.sign_in(password=NEW_PASSWORD)
    with pytest.raises(InvalidCredentials):
        await world.sign_in(password=PASSWORD)
