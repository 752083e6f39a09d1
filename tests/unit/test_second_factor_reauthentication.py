"""Actions that ask a signed-in user for the password ask for a code too once TOTP is on."""

import pytest

from application.change_password import ChangePasswordCommand
from application.delete_account import DeleteAccountCommand
from application.events import SecurityEventKind
from application.mfa.get_second_factors import GetSecondFactorsCommand
from application.results import AuthResult
from application.throttling import LoginLimits
from domain.auth_methods import PASSWORD_AND_CODE, PASSWORD_ONLY
from domain.errors import TooManyAttempts, WrongCurrentPassword
from domain.second_factor import SecondFactorAnswer
from tests.builders import PASSWORD, World, a_world
from tests.second_factor_steps import code_at, enable_totp

NEW_PASSWORD = "a brand new passphrase for ada"
IP = "192.0.2.1"


async def change(world: World, caller: AuthResult, answer: SecondFactorAnswer) -> AuthResult:
    command = ChangePasswordCommand(
        world.principal_of(caller), PASSWORD, NEW_PASSWORD, client_ip=IP, second_factor=answer
    )
    return await world.change_password.execute(command)


async def codes_left(world: World, caller: AuthResult) -> int:
    status = await world.get_second_factors.execute(
        GetSecondFactorsCommand(world.principal_of(caller))
    )
    return status.recovery_codes_left


async def test_with_totp_a_password_change_without_a_code_is_refused_and_changes_nothing() -> None:
    world = a_world()
    signed = await world.sign_up()
    await enable_totp(world, signed)
    stored_hash = world.store.users[signed.user.id].password_hash

    with pytest.raises(WrongCurrentPassword):
        await change(world, signed, SecondFactorAnswer())

    assert world.store.users[signed.user.id].password_hash == stored_hash
    assert SecurityEventKind.MFA_CODE_FAILED in world.events.kinds()


async def test_with_a_right_code_the_fresh_session_says_password_and_code() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)

    changed = await change(
        world, signed, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
    )

    assert world.session_of(changed).amr == PASSWORD_AND_CODE
    assert world.claims_of(changed.tokens.access_token).amr == PASSWORD_AND_CODE


async def test_without_totp_a_code_is_ignored_and_the_session_says_password() -> None:
    world = a_world()
    signed = await world.sign_up()

    changed = await change(world, signed, SecondFactorAnswer(code="000000"))

    assert world.session_of(changed).amr == PASSWORD_ONLY


async def test_a_code_is_accepted_once() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    code = code_at(totp.secret, world.clock.now())
    changed = await change(world, signed, SecondFactorAnswer(code))

    with pytest.raises(WrongCurrentPassword):
        await world.delete_account.execute(
            DeleteAccountCommand(
                world.principal_of(changed), NEW_PASSWORD, IP, SecondFactorAnswer(code)
            )
        )


async def test_a_recovery_code_stands_in_for_a_code_once() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    code = totp.recovery_codes[0].lower().replace("-", " ")

    changed = await change(world, signed, SecondFactorAnswer(recovery_code=code))

    assert await codes_left(world, changed) == 9
    assert SecurityEventKind.RECOVERY_CODE_USED in world.events.kinds()
    with pytest.raises(WrongCurrentPassword):
        await world.delete_account.execute(
            DeleteAccountCommand(
                world.principal_of(changed),
                NEW_PASSWORD,
                IP,
                SecondFactorAnswer(recovery_code=code),
            )
        )


async def test_both_a_code_and_a_recovery_code_are_refused() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    answer = SecondFactorAnswer(code_at(totp.secret, world.clock.now()), totp.recovery_codes[0])

    with pytest.raises(WrongCurrentPassword):
        await change(world, signed, answer)

    assert await codes_left(world, signed) == 10


async def test_ten_wrong_codes_from_any_clients_make_every_code_step_429() -> None:
    world = a_world(login_limits=LoginLimits(max_failures=100, max_failures_per_ip=100))
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    principal = world.principal_of(signed)
    for attempt in range(10):
        with pytest.raises(WrongCurrentPassword):
            await world.change_password.execute(
                ChangePasswordCommand(
                    principal,
                    PASSWORD,
                    NEW_PASSWORD,
                    client_ip=f"192.0.2.{attempt}",
                    second_factor=SecondFactorAnswer("000000"),
                )
            )

    right = SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
    with pytest.raises(TooManyAttempts):
        await change(world, signed, right)
    world.clock.advance(seconds=LoginLimits().window.total_seconds())
    await change(world, signed, SecondFactorAnswer(code_at(totp.secret, world.clock.now())))


async def test_deleting_the_account_with_a_code_removes_its_second_factor() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)

    await world.delete_account.execute(
        DeleteAccountCommand(
            world.principal_of(signed),
            PASSWORD,
            IP,
            SecondFactorAnswer(code_at(totp.secret, world.clock.now(), steps=1)),
        )
    )

    assert world.store.second_factors.totp == {}
    assert world.store.second_factors.codes == {}


async def test_a_code_one_step_early_or_late_is_accepted_but_not_two() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)

    with pytest.raises(WrongCurrentPassword):
        await change(world, signed, SecondFactorAnswer(code_at(totp.secret, world.clock.now(), 2)))
    world.clock.advance(minutes=5)
    early = code_at(totp.secret, world.clock.now(), steps=-1)
    await change(world, signed, SecondFactorAnswer(early))


async def test_a_wrong_password_spends_no_code() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    answer = SecondFactorAnswer(recovery_code=totp.recovery_codes[0])

    with pytest.raises(WrongCurrentPassword, match="password"):
        await world.change_password.execute(
            ChangePasswordCommand(
                world.principal_of(signed),
                "not the password at all",
                NEW_PASSWORD,
                None,
                IP,
                answer,
            )
        )

    assert await codes_left(world, signed) == 10
    assert SecurityEventKind.REAUTHENTICATION_FAILED in world.events.kinds()
    await change(world, signed, answer)
