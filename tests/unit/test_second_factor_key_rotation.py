"""A rotation of AUTH_KEYS under TOTP secrets: re-sealed as codes are accepted, and a dropped
key is the service failing (SealingKeyMissing, 503 at the edge), never the user's guess."""

from __future__ import annotations

import pytest

from application.mfa.confirm_totp import ConfirmTotpCommand
from application.mfa.missing_sealing_keys import (
    FindMissingSealingKeysCommand,
    MissingSealingKeys,
)
from application.mfa.ports import SealingKeyMissing
from application.mfa.set_up_totp import SetUpTotpCommand
from domain.errors import InvalidCredentials
from domain.second_factor import SecondFactorAnswer
from tests.builders import PASSWORD, World, a_world
from tests.fakes.second_factor import FakeSecretBox
from tests.second_factor_steps import code_at, enable_totp
from tests.unit.test_second_factor import challenged, login_counts, second_step

OLD_KID = "fake-kid"  # FakeSecretBox's default: the kid the worlds seal with


def box_of(world: World) -> FakeSecretBox:
    box: FakeSecretBox = world.container.secret_box()
    return box


def rotate(world: World, new_kid: str = "k2") -> None:
    """A new first AUTH_KEYS entry; the old one stays, as a later entry."""
    box = box_of(world)
    box.older, box.kid = (box.kid, *box.older), new_kid


def drop_older_keys(world: World) -> None:
    box_of(world).older = ()


async def stored_kid(world: World, signed) -> str:
    async with world.unit_of_work(read_only=True) as uow:
        factor = await uow.second_factors.get_totp(world.session_of(signed).user_id)
    assert factor is not None
    return factor.secret.kid


async def test_an_accepted_code_reseals_the_secret_under_the_current_key() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    rotate(world)

    required = await challenged(world)
    await second_step(
        world, required.mfa_token, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
    )

    assert await stored_kid(world, signed) == "k2"
    drop_older_keys(world)
    world.clock.advance(seconds=30)
    required = await challenged(world)
    done = await second_step(
        world, required.mfa_token, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
    )
    assert world.session_of(done).user_id == world.session_of(signed).user_id


async def test_a_wrong_code_or_a_recovery_code_reseals_nothing() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    rotate(world)

    required = await challenged(world)
    with pytest.raises(InvalidCredentials):
        await second_step(world, required.mfa_token, SecondFactorAnswer("000000"))
    required = await challenged(world)
    await second_step(
        world, required.mfa_token, SecondFactorAnswer(recovery_code=totp.recovery_codes[0])
    )

    assert await stored_kid(world, signed) == OLD_KID


async def test_confirming_a_setup_sealed_before_a_rotation_reseals_it() -> None:
    world = a_world()
    signed = await world.sign_up()
    principal = world.principal_of(signed)
    setup = await world.set_up_totp.execute(SetUpTotpCommand(principal, PASSWORD))
    rotate(world)

    await world.confirm_totp.execute(
        ConfirmTotpCommand(principal, code_at(setup.secret, world.clock.now()))
    )

    assert await stored_kid(world, signed) == "k2"


async def test_a_secret_under_a_dropped_key_fails_the_service_and_counts_no_attempt() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    rotate(world)
    drop_older_keys(world)
    required = await challenged(world)
    counts_before = login_counts(world)

    with pytest.raises(SealingKeyMissing) as missing:
        await second_step(
            world, required.mfa_token, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
        )

    assert missing.value.kid == OLD_KID
    assert login_counts(world) == counts_before
    assert await stored_kid(world, signed) == OLD_KID


async def test_the_missing_keys_are_counted_by_kid_and_a_held_one_is_not() -> None:
    world = a_world()
    for email in ("ada@example.com", "bob@example.com"):
        await enable_totp(world, await world.sign_up(email=email))
    rotate(world, "k2")
    await enable_totp(world, await world.sign_up(email="cy@example.com"))
    find = world.find_missing_sealing_keys

    assert await find.execute(FindMissingSealingKeysCommand()) == MissingSealingKeys(())
    rotate(world, "k3")
    drop_older_keys(world)
    missing = await find.execute(FindMissingSealingKeysCommand())

    assert missing == MissingSealingKeys(((OLD_KID, 2), ("k2", 1)))
    assert missing.accounts == 3
