"""TOTP enrolment, sign-in in two steps, and the operator's reset, as use cases on fakes."""

import asyncio
from datetime import timedelta

import pytest

from application.events import SecurityEventKind
from application.mfa.confirm_totp import ConfirmTotpCommand
from application.mfa.get_second_factors import GetSecondFactorsCommand, SecondFactors
from application.mfa.login_with_code import LoginWithCodeCommand
from application.mfa.remove_totp import RemoveTotpCommand
from application.mfa.renew_recovery_codes import RenewRecoveryCodesCommand
from application.mfa.set_up_totp import SetUpTotpCommand
from application.operator.reset_second_factor import ResetSecondFactorCommand
from application.reset_password import ResetPasswordCommand
from application.results import AuthResult
from application.throttling import LoginLimits
from domain.auth_methods import PASSWORD_AND_CODE, PASSWORD_ONLY
from domain.errors import (
    AccountDisabled,
    EmailUnverified,
    InvalidCode,
    InvalidCredentials,
    InvalidMfaToken,
    InvalidToken,
    MfaAlreadyEnabled,
    MfaNotEnabled,
    MfaRequired,
    TooManyAttempts,
    WrongCurrentPassword,
)
from domain.one_time_link import LinkPurpose, OneTimeLink
from domain.second_factor import SecondFactorAnswer
from tests.builders import EMAIL, PASSWORD, World, a_world
from tests.second_factor_steps import code_at, enable_totp

IP = "192.0.2.1"
NEW_PASSWORD = "a brand new passphrase for ada"


async def challenged(world: World, client_ip: str = IP) -> MfaRequired:
    with pytest.raises(MfaRequired) as required:
        await world.sign_in(client_ip=client_ip)
    return required.value


async def second_step(
    world: World, token: str, answer: SecondFactorAnswer, client_ip: str = IP
) -> AuthResult:
    return await world.login_with_code.execute(
        LoginWithCodeCommand(token, answer, "Firefox", client_ip)
    )


def login_counts(world: World) -> list[int]:
    """The attempt counts of sign-in and code steps (registration's aside)."""
    windows = world.attempts.windows
    return sorted(count for key, (count, _) in windows.items() if not key.startswith("register"))


async def factors(world: World, signed: AuthResult) -> SecondFactors:
    return await world.get_second_factors.execute(
        GetSecondFactorsCommand(world.principal_of(signed))
    )


async def test_a_pending_setup_changes_nothing_about_sign_in() -> None:
    world = a_world()
    signed = await world.sign_up()

    await world.set_up_totp.execute(SetUpTotpCommand(world.principal_of(signed), PASSWORD))

    assert await factors(world, signed) == SecondFactors(totp=False, recovery_codes_left=0)
    assert world.session_of(await world.sign_in()).amr == PASSWORD_ONLY


async def test_setup_needs_the_password_and_stores_the_secret_sealed() -> None:
    world = a_world()
    signed = await world.sign_up()
    principal = world.principal_of(signed)

    with pytest.raises(WrongCurrentPassword):
        await world.set_up_totp.execute(SetUpTotpCommand(principal, "not the password at all"))
    setup = await world.set_up_totp.execute(SetUpTotpCommand(principal, PASSWORD))

    stored = world.store.second_factors.totp[signed.user.id]
    assert setup.secret.encode() not in stored.secret.ciphertext


async def test_confirm_states_are_409_and_a_wrong_code_is_invalid_code() -> None:
    world = a_world()
    signed = await world.sign_up()
    principal = world.principal_of(signed)

    with pytest.raises(MfaNotEnabled):
        await world.confirm_totp.execute(ConfirmTotpCommand(principal, "123456"))
    setup = await world.set_up_totp.execute(SetUpTotpCommand(principal, PASSWORD))
    with pytest.raises(InvalidCode):
        await world.confirm_totp.execute(
            ConfirmTotpCommand(principal, code_at(setup.secret, world.clock.now(), 3))
        )
    codes = await world.confirm_totp.execute(
        ConfirmTotpCommand(principal, code_at(setup.secret, world.clock.now()))
    )
    with pytest.raises(MfaAlreadyEnabled):
        await world.confirm_totp.execute(ConfirmTotpCommand(principal, "123456"))
    with pytest.raises(MfaAlreadyEnabled):
        await world.set_up_totp.execute(SetUpTotpCommand(principal, PASSWORD))

    assert len(codes) == 10
    assert SecurityEventKind.MFA_ENABLED in world.events.kinds()


async def test_login_of_an_account_with_totp_starts_no_session_and_counts_nothing() -> None:
    world = a_world(login_limits=LoginLimits(max_failures=2))
    signed = await world.sign_up()
    await enable_totp(world, signed)
    sessions_before = len(world.store.sessions)

    for _ in range(5):
        required = await challenged(world)

    assert required.methods == ("totp", "recovery_code")
    assert required.expires_in == 300
    assert len(world.store.sessions) == sessions_before
    assert login_counts(world) == []


async def test_a_wrong_password_answers_as_without_totp() -> None:
    world = a_world()
    signed = await world.sign_up()
    await enable_totp(world, signed)

    with pytest.raises(InvalidCredentials):
        await world.sign_in(password="not the password at all")


async def test_a_right_code_starts_a_session_signed_in_with_password_and_code() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    required = await challenged(world)

    done = await second_step(
        world, required.mfa_token, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
    )

    assert world.session_of(done).amr == PASSWORD_AND_CODE
    assert world.session_of(done).user_agent == "Firefox"
    assert world.claims_of(done.tokens.access_token).amr == PASSWORD_AND_CODE
    assert world.events.kinds()[-1] is SecurityEventKind.MFA_LOGIN_SUCCEEDED
    with pytest.raises(InvalidMfaToken):
        await second_step(
            world, required.mfa_token, SecondFactorAnswer(recovery_code=totp.recovery_codes[0])
        )


async def test_five_wrong_codes_kill_the_token_and_each_counts_as_a_failed_login() -> None:
    world = a_world(login_limits=LoginLimits(max_failures=50))
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    required = await challenged(world)

    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            await second_step(world, required.mfa_token, SecondFactorAnswer("999999"))
    with pytest.raises(InvalidMfaToken):
        await second_step(
            world, required.mfa_token, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
        )

    assert world.events.kinds().count(SecurityEventKind.MFA_CODE_FAILED) == 5
    assert login_counts(world) == [5, 5, 5]  # the pair, the client, the account


async def test_the_pair_limit_answers_429_before_the_token_is_looked_at() -> None:
    world = a_world(login_limits=LoginLimits(max_failures=2))
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    required = await challenged(world)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await second_step(world, required.mfa_token, SecondFactorAnswer("999999"))

    with pytest.raises(TooManyAttempts):
        await second_step(
            world, required.mfa_token, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
        )


async def test_an_expired_token_is_refused() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    required = await challenged(world)
    world.clock.advance(seconds=300)

    with pytest.raises(InvalidMfaToken):
        await second_step(
            world, required.mfa_token, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
        )


async def test_a_password_reset_kills_outstanding_tokens_but_keeps_the_second_factor() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    required = await challenged(world)
    link = OneTimeLink.issue(
        id=world.ids.new_id(),
        user_id=signed.user.id,
        email=signed.user.email,
        purpose=LinkPurpose.RESET,
        token="t" * 43,
        now=world.clock.now(),
        ttl=timedelta(minutes=30),
    )
    async with world.unit_of_work() as uow:
        await uow.links.add(link)
        await uow.commit()

    await world.reset_password.execute(ResetPasswordCommand("t" * 43, NEW_PASSWORD))

    with pytest.raises(InvalidMfaToken):
        await second_step(
            world, required.mfa_token, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
        )
    with pytest.raises(MfaRequired):
        await world.sign_in(password=NEW_PASSWORD)


async def test_a_disabled_or_unverified_account_is_refused_after_the_code() -> None:
    world = a_world(require_verified_email=True)
    signed = await world.sign_up()
    world.store.users[signed.user.id].email_verified = True
    totp = await enable_totp(world, signed)
    required = await challenged(world)
    world.store.users[signed.user.id].email_verified = False

    with pytest.raises(EmailUnverified):
        await second_step(
            world, required.mfa_token, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
        )

    world.store.users[signed.user.id].email_verified = True
    world.store.users[signed.user.id].is_active = False
    world.clock.advance(seconds=30)
    with pytest.raises(AccountDisabled):
        await second_step(
            world, required.mfa_token, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
        )


async def test_removing_totp_needs_password_and_code_then_login_asks_the_password_only() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    principal = world.principal_of(signed)

    with pytest.raises(WrongCurrentPassword):
        await world.remove_totp.execute(
            RemoveTotpCommand(principal, PASSWORD, SecondFactorAnswer())
        )
    await world.remove_totp.execute(
        RemoveTotpCommand(
            principal, PASSWORD, SecondFactorAnswer(recovery_code=totp.recovery_codes[1])
        )
    )
    with pytest.raises(MfaNotEnabled):
        await world.remove_totp.execute(
            RemoveTotpCommand(
                principal, PASSWORD, SecondFactorAnswer(recovery_code=totp.recovery_codes[2])
            )
        )

    assert world.session_of(await world.sign_in()).amr == PASSWORD_ONLY
    assert await factors(world, signed) == SecondFactors(totp=False, recovery_codes_left=0)


async def test_renewed_recovery_codes_replace_every_earlier_one() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    principal = world.principal_of(signed)

    renewed = await world.renew_recovery_codes.execute(
        RenewRecoveryCodesCommand(
            principal, PASSWORD, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
        )
    )

    required = await challenged(world)
    with pytest.raises(InvalidCredentials):
        await second_step(
            world, required.mfa_token, SecondFactorAnswer(recovery_code=totp.recovery_codes[0])
        )
    await second_step(world, required.mfa_token, SecondFactorAnswer(recovery_code=renewed[0]))
    assert await factors(world, signed) == SecondFactors(totp=True, recovery_codes_left=9)


async def test_the_operator_reset_removes_totp_and_ends_every_session_and_token() -> None:
    world = a_world()
    signed = await world.sign_up()
    await enable_totp(world, signed)

    reset = await world.reset_second_factor.execute(ResetSecondFactorCommand(EMAIL.upper()))

    assert reset.removed
    assert reset.sessions_revoked == 1
    assert world.store.users[signed.user.id].credentials_version == 1
    with pytest.raises(InvalidToken):
        await factors(world, signed)
    assert world.session_of(await world.sign_in()).amr == PASSWORD_ONLY
    [event] = [e for e in world.events.events if e.kind is SecurityEventKind.MFA_REMOVED]
    assert event.reason == "operator"


async def test_no_event_carries_a_code_or_a_secret() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    required = await challenged(world)
    with pytest.raises(InvalidCredentials):
        await second_step(world, required.mfa_token, SecondFactorAnswer("999999"))
    await second_step(
        world, required.mfa_token, SecondFactorAnswer(recovery_code=totp.recovery_codes[0])
    )

    text = repr(world.events.events)
    for secret in (totp.secret, "999999", totp.recovery_codes[0], required.mfa_token):
        assert secret not in text


async def test_of_two_racing_second_steps_with_one_token_only_one_signs_in() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    required = await challenged(world)
    sessions_before = len(world.store.sessions)

    results = await asyncio.gather(
        second_step(
            world, required.mfa_token, SecondFactorAnswer(code_at(totp.secret, world.clock.now()))
        ),
        second_step(
            world, required.mfa_token, SecondFactorAnswer(recovery_code=totp.recovery_codes[0])
        ),
        return_exceptions=True,
    )

    assert sum(isinstance(result, AuthResult) for result in results) == 1
    assert sum(isinstance(result, InvalidMfaToken) for result in results) == 1
    assert len(world.store.sessions) == sessions_before + 1


async def test_of_two_racing_uses_of_one_code_only_one_is_accepted() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    code = code_at(totp.secret, world.clock.now())
    tokens = [(await challenged(world)).mfa_token for _ in range(2)]

    results = await asyncio.gather(
        *(second_step(world, token, SecondFactorAnswer(code)) for token in tokens),
        return_exceptions=True,
    )

    assert sorted(type(result).__name__ for result in results) == [
        "AuthResult",
        "InvalidCredentials",
    ]
