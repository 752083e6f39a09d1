"""The passkey use cases on in-memory fakes, with the real py_webauthn relying party answered by
a software authenticator (tests/support/authenticator.py)."""

from __future__ import annotations

import asyncio

import pytest

from application.events import SecurityEventKind
from application.logout_all import LogoutAllCommand
from application.operator.reset_second_factor import ResetSecondFactorCommand
from application.passkeys.list_passkeys import ListPasskeysCommand
from application.passkeys.register_passkey import RegisterPasskeyCommand
from application.passkeys.remove_passkey import RemovePasskeyCommand
from application.passkeys.sign_in_with_passkey import SignInWithPasskeyCommand
from application.passkeys.start_passkey_registration import StartPasskeyRegistrationCommand
from application.passkeys.start_passkey_sign_in import StartPasskeySignInCommand
from application.ports import StoreUnavailable
from application.request_password_reset import RequestPasswordResetCommand
from application.reset_password import ResetPasswordCommand
from application.results import AuthResult
from application.throttling import LoginLimits
from domain.auth_methods import PASSKEY
from domain.errors import (
    AccountDisabled,
    EmailUnverified,
    InvalidToken,
    InvalidValue,
    MalformedPasskeyCredential,
    PasskeyNotFound,
    PasskeyRejected,
    PasskeySignInFailed,
    TooManyAttempts,
    WrongCurrentPassword,
)
from domain.passkey import Passkey
from tests.builders import EMAIL, PASSWORD, World, a_world
from tests.second_factor_steps import code_at, enable_totp
from tests.support.authenticator import UP, SoftwareAuthenticator

# The relying party the settings' defaults give: APP_URL http://127.0.0.1:8000.
RP_ID = "localhost"
ORIGIN = "http://127.0.0.1:8000"
IP = "198.51.100.7"


def an_authenticator(*, synced: bool = False) -> SoftwareAuthenticator:
    return SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN, synced=synced)


async def add_passkey(
    world: World,
    signed: AuthResult,
    authenticator: SoftwareAuthenticator,
    *,
    name: str | None = None,
    code: str | None = None,
) -> Passkey:
    principal = world.principal_of(signed)
    started = await world.start_passkey_registration.execute(
        StartPasskeyRegistrationCommand(principal, PASSWORD, code=code, client_ip=IP)
    )
    credential = authenticator.create(started.public_key)
    return await world.register_passkey.execute(
        RegisterPasskeyCommand(principal, started.ceremony, credential, name)
    )


async def sign_in(
    world: World, authenticator: SoftwareAuthenticator, **get_options: object
) -> AuthResult:
    started = await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))
    credential = authenticator.get(started.public_key, **get_options)
    return await world.sign_in_with_passkey.execute(
        SignInWithPasskeyCommand(started.ceremony, credential, "Phone", IP)
    )


async def passkeys_of(world: World, signed: AuthResult) -> list[Passkey]:
    return await world.list_passkeys.execute(ListPasskeysCommand(world.principal_of(signed)))


async def test_a_passkey_signs_in_to_a_session_with_the_passkey_amr() -> None:
    world = a_world()
    signed = await world.sign_up()
    authenticator = an_authenticator()
    added = await add_passkey(world, signed, authenticator, name=" Laptop ")

    result = await sign_in(world, authenticator)

    assert result.user.id == signed.user.id
    session = world.session_of(result)
    assert (session.amr, session.user_agent) == (PASSKEY, "Phone")
    assert world.claims_of(result.tokens.access_token).amr == PASSKEY
    [stored] = await passkeys_of(world, signed)
    assert (stored.id, stored.name, stored.sign_count) == (added.id, "Laptop", 2)
    assert stored.last_used_at == world.clock.now()
    assert SecurityEventKind.PASSKEY_SIGN_IN_SUCCEEDED in world.events.kinds()


async def test_registration_options_need_the_password_and_begin_nothing_without_it() -> None:
    world = a_world()
    signed = await world.sign_up()

    with pytest.raises(WrongCurrentPassword):
        await world.start_passkey_registration.execute(
            StartPasskeyRegistrationCommand(world.principal_of(signed), "not it", client_ip=IP)
        )

    assert world.store.passkeys.ceremonies == {}
    assert SecurityEventKind.REAUTHENTICATION_FAILED in world.events.kinds()


async def test_with_totp_registration_options_need_a_code_too() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)

    with pytest.raises(WrongCurrentPassword):
        await add_passkey(world, signed, an_authenticator())
    added = await add_passkey(
        world, signed, an_authenticator(), code=code_at(totp.secret, world.clock.now())
    )

    assert await passkeys_of(world, signed) == [added]


async def test_a_registration_is_bound_to_its_account_and_spent_by_any_use() -> None:
    world = a_world()
    ada = await world.sign_up()
    bob = await world.sign_up(email="bob@example.com")
    started = await world.start_passkey_registration.execute(
        StartPasskeyRegistrationCommand(world.principal_of(ada), PASSWORD, client_ip=IP)
    )
    credential = an_authenticator().create(started.public_key)

    with pytest.raises(PasskeyRejected):
        await world.register_passkey.execute(
            RegisterPasskeyCommand(world.principal_of(bob), started.ceremony, credential)
        )
    with pytest.raises(PasskeyRejected):  # the wrong account's attempt spent it
        await world.register_passkey.execute(
            RegisterPasskeyCommand(world.principal_of(ada), started.ceremony, credential)
        )

    assert await passkeys_of(world, ada) == []
    assert world.events.kinds().count(SecurityEventKind.PASSKEY_REJECTED) == 2


async def test_a_malformed_credential_or_name_touches_nothing() -> None:
    world = a_world()
    signed = await world.sign_up()
    principal = world.principal_of(signed)
    started = await world.start_passkey_registration.execute(
        StartPasskeyRegistrationCommand(principal, PASSWORD, client_ip=IP)
    )
    credential = an_authenticator().create(started.public_key)
    padded = {**credential, "id": credential["id"] + "="}

    with pytest.raises(MalformedPasskeyCredential):
        await world.register_passkey.execute(
            RegisterPasskeyCommand(principal, started.ceremony, padded)
        )
    with pytest.raises(InvalidValue):
        await world.register_passkey.execute(
            RegisterPasskeyCommand(principal, started.ceremony, credential, "x" * 65)
        )
    added = await world.register_passkey.execute(
        RegisterPasskeyCommand(principal, started.ceremony, credential)
    )

    assert added.name == "Passkey"


async def test_registration_options_exclude_the_accounts_credentials() -> None:
    world = a_world()
    signed = await world.sign_up()
    first = await add_passkey(world, signed, an_authenticator())

    started = await world.start_passkey_registration.execute(
        StartPasskeyRegistrationCommand(world.principal_of(signed), PASSWORD, client_ip=IP)
    )

    excluded = started.public_key["excludeCredentials"]
    assert len(excluded) == 1
    assert excluded[0]["id"] != str(first.id)


async def test_a_token_from_before_a_sign_out_everywhere_cannot_register() -> None:
    world = a_world()
    signed = await world.sign_up()
    await world.logout_all.execute(LogoutAllCommand(world.principal_of(signed)))

    with pytest.raises(InvalidToken):
        await add_passkey(world, signed, an_authenticator())


async def test_an_unknown_credential_fails_and_counts_toward_the_clients_limit() -> None:
    world = a_world(login_limits=LoginLimits(max_failures_per_ip=3))

    with pytest.raises(PasskeySignInFailed):
        await sign_in(world, an_authenticator())  # the options count 1, the failure 1
    await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))

    with pytest.raises(TooManyAttempts):
        await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))
    await world.start_passkey_sign_in.execute(StartPasskeySignInCommand("198.51.100.8"))
    assert SecurityEventKind.PASSKEY_SIGN_IN_THROTTLED in world.events.kinds()


async def test_a_successful_sign_in_costs_only_its_options() -> None:
    world = a_world(login_limits=LoginLimits(max_failures_per_ip=2))
    signed = await world.sign_up()
    authenticator = an_authenticator()
    await add_passkey(world, signed, authenticator)

    await sign_in(world, authenticator)

    await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))
    with pytest.raises(TooManyAttempts):
        await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))


async def test_an_outage_counts_nothing_against_the_client() -> None:
    world = a_world(login_limits=LoginLimits(max_failures_per_ip=1))
    world.store.down = True

    with pytest.raises(StoreUnavailable):
        await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))
    world.store.down = False

    await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))


async def test_a_counter_gone_backwards_is_refused_logged_and_stores_nothing() -> None:
    world = a_world()
    signed = await world.sign_up()
    authenticator = an_authenticator()
    await add_passkey(world, signed, authenticator)
    await sign_in(world, authenticator)  # the counter is now 2
    sessions = len(world.store.sessions)

    with pytest.raises(PasskeySignInFailed):
        await sign_in(world, authenticator, sign_count=2)

    assert len(world.store.sessions) == sessions
    [stored] = await passkeys_of(world, signed)
    assert stored.sign_count == 2
    regressed = [
        e for e in world.events.events if e.kind is SecurityEventKind.PASSKEY_COUNTER_REGRESSED
    ]
    assert [e.user_id for e in regressed] == [signed.user.id]


async def test_a_synced_passkey_reporting_0_is_accepted_again_and_again() -> None:
    world = a_world()
    signed = await world.sign_up()
    synced = an_authenticator(synced=True)
    await add_passkey(world, signed, synced)

    for _ in range(3):
        await sign_in(world, synced)

    [stored] = await passkeys_of(world, signed)
    assert stored.sign_count == 0


async def test_user_verification_is_required_to_sign_in() -> None:
    world = a_world()
    signed = await world.sign_up()
    authenticator = an_authenticator()
    await add_passkey(world, signed, authenticator)

    with pytest.raises(PasskeySignInFailed):
        await sign_in(world, authenticator, flags=UP)


async def test_a_user_handle_naming_another_account_is_refused() -> None:
    world = a_world()
    signed = await world.sign_up()
    authenticator = an_authenticator()
    await add_passkey(world, signed, authenticator)
    authenticator.user_handle = b"someone else"

    with pytest.raises(PasskeySignInFailed):
        await sign_in(world, authenticator)


async def test_a_disabled_or_unverified_account_cannot_sign_in_with_its_passkey() -> None:
    world = a_world(require_verified_email=True)
    signed = await world.sign_up()
    authenticator = an_authenticator()
    await add_passkey(world, signed, authenticator)

    with pytest.raises(EmailUnverified):
        await sign_in(world, authenticator)
    world.store.users[signed.user.id].email_verified = True
    world.store.users[signed.user.id].is_active = False
    with pytest.raises(AccountDisabled):
        await sign_in(world, authenticator)

    failures = [
        e.reason for e in world.events.events if e.kind is SecurityEventKind.PASSKEY_SIGN_IN_FAILED
    ]
    assert failures == ["email_unverified", "account_disabled"]


async def test_of_two_sign_ins_read_at_one_counter_only_one_succeeds() -> None:
    world = a_world()
    signed = await world.sign_up()
    authenticator = an_authenticator()
    await add_passkey(world, signed, authenticator)
    first = await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))
    second = await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))
    answers = [
        SignInWithPasskeyCommand(s.ceremony, authenticator.get(s.public_key), None, IP)
        for s in (first, second)
    ]

    outcomes = await asyncio.gather(
        *(world.sign_in_with_passkey.execute(answer) for answer in answers),
        return_exceptions=True,
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["AuthResult", "PasskeySignInFailed"]


async def test_a_passkey_is_removed_by_its_owner_only() -> None:
    world = a_world()
    ada = await world.sign_up()
    bob = await world.sign_up(email="bob@example.com")
    authenticator = an_authenticator()
    added = await add_passkey(world, ada, authenticator)

    for caller, passkey_id in ((bob, str(added.id)), (ada, "not-a-uuid")):
        with pytest.raises(PasskeyNotFound):
            await world.remove_passkey.execute(
                RemovePasskeyCommand(world.principal_of(caller), passkey_id)
            )
    await world.remove_passkey.execute(RemovePasskeyCommand(world.principal_of(ada), str(added.id)))

    assert await passkeys_of(world, ada) == []
    with pytest.raises(PasskeySignInFailed):
        await sign_in(world, authenticator)
    assert SecurityEventKind.PASSKEY_REMOVED in world.events.kinds()


async def test_an_operators_second_factor_reset_removes_no_passkey() -> None:
    world = a_world()
    signed = await world.sign_up()
    totp = await enable_totp(world, signed)
    authenticator = an_authenticator()
    await add_passkey(world, signed, authenticator, code=code_at(totp.secret, world.clock.now()))

    await world.reset_second_factor.execute(ResetSecondFactorCommand(EMAIL))

    assert (await sign_in(world, authenticator)).user.id == signed.user.id


async def test_a_password_reset_removes_no_passkey() -> None:
    world = a_world()
    signed = await world.sign_up()
    authenticator = an_authenticator()
    await add_passkey(world, signed, authenticator)

    await world.request_password_reset.execute(RequestPasswordResetCommand(EMAIL, IP))
    await world.answer_reset_requests.execute()
    await world.reset_password.execute(
        ResetPasswordCommand(world.link_tokens.issued[-1], "a brand new passphrase for ada")
    )

    result = await sign_in(world, authenticator)
    assert result.user.id == signed.user.id


async def test_beginning_a_ceremony_removes_expired_ones() -> None:
    world = a_world()
    await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))
    world.clock.advance(seconds=300)

    await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))

    [left] = world.store.passkeys.ceremonies.values()
    assert left.expires_at > world.clock.now()


async def test_of_two_sign_ins_with_one_ceremony_only_one_succeeds() -> None:
    world = a_world()
    signed = await world.sign_up()
    synced = an_authenticator(synced=True)  # no counter: only the ceremony can tell them apart
    await add_passkey(world, signed, synced)
    started = await world.start_passkey_sign_in.execute(StartPasskeySignInCommand(IP))
    answers = [
        SignInWithPasskeyCommand(started.ceremony, synced.get(started.public_key), None, IP)
        for _ in range(2)
    ]

    outcomes = await asyncio.gather(
        *(world.sign_in_with_passkey.execute(answer) for answer in answers),
        return_exceptions=True,
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["AuthResult", "PasskeySignInFailed"]
