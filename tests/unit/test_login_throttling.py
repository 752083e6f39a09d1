"""docs/api.md "Login throttling", on the use cases with an in-memory counter and a test clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from application.events import SecurityEventKind as Kind
from application.login import LoginCommand
from application.ports import AttemptCounterUnavailable, Overloaded, StoreUnavailable
from application.throttling import LoginLimits, LoginThrottle, RegistrationLimits, client_of
from domain.errors import InvalidCredentials, InvalidEmail, TooManyAttempts
from tests.builders import EMAIL, PASSWORD, World, a_world
from tests.fakes.persistence import InMemoryUnitOfWork
from tests.fakes.security import FakePasswordHasher

IP = "192.0.2.1"
OTHER_IP = "198.51.100.7"
WRONG = "not the password at all"
LIMITS = LoginLimits(max_failures=3, max_failures_per_ip=5, window=timedelta(minutes=15))


def throttled_world() -> World:
    return a_world(login_limits=LIMITS, registration_limits=RegistrationLimits(max_per_ip=2))


async def fail(world: World, times: int, *, email: str = EMAIL, ip: str = IP) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            await world.sign_in(email=email, password=WRONG, client_ip=ip)


async def test_after_the_maximum_failures_even_the_right_password_is_refused() -> None:
    world = throttled_world()
    await world.given_user()
    await fail(world, 3)

    with pytest.raises(TooManyAttempts) as refused:
        await world.sign_in(client_ip=IP)

    assert refused.value.retry_after == 15 * 60
    assert world.store.sessions == {}


async def test_a_throttled_login_is_refused_before_any_password_work() -> None:
    world = throttled_world()
    await world.given_user()
    await fail(world, 3)
    for index in range(2):  # and the address to its cap, so unknown emails are refused too
        await fail(world, 1, email=f"guess{index}@example.com")
    verifications = world.hasher.verifications

    for email in (EMAIL, "nobody@example.com"):
        with pytest.raises(TooManyAttempts):
            await world.sign_in(email=email, client_ip=IP)

    assert world.hasher.verifications == verifications


async def test_unknown_emails_are_counted_too() -> None:
    world = throttled_world()
    await fail(world, 3, email="nobody@example.com")

    with pytest.raises(TooManyAttempts):
        await world.sign_in(email="nobody@example.com", password=WRONG, client_ip=IP)


async def test_the_email_is_normalized_before_it_is_counted() -> None:
    world = throttled_world()
    await world.given_user()
    await fail(world, 3, email="  ADA@Example.com ")

    with pytest.raises(TooManyAttempts):
        await world.sign_in(email="ada@example.com", client_ip=IP)


async def test_the_same_email_from_another_address_is_a_pair_of_its_own() -> None:
    world = throttled_world()
    await world.given_user()
    await fail(world, 3)

    result = await world.sign_in(client_ip=OTHER_IP)

    assert result.user.email.value == EMAIL


async def test_once_the_window_has_passed_the_pair_may_try_again() -> None:
    world = throttled_world()
    await world.given_user()
    await fail(world, 3)
    world.clock.advance(minutes=14, seconds=59)
    with pytest.raises(TooManyAttempts) as refused:
        await world.sign_in(client_ip=IP)
    assert refused.value.retry_after == 1

    world.clock.advance(seconds=1)

    assert (await world.sign_in(client_ip=IP)).user.email.value == EMAIL


async def test_a_success_resets_the_pair() -> None:
    world = throttled_world()
    await world.given_user()
    await fail(world, 2)
    await world.sign_in(client_ip=IP)

    await fail(world, 3)  # three more, not one: the earlier two were forgotten

    with pytest.raises(TooManyAttempts):
        await world.sign_in(client_ip=IP)


async def test_one_address_is_capped_across_all_emails() -> None:
    world = throttled_world()
    await world.given_user()
    for index in range(5):
        await fail(world, 1, email=f"guess{index}@example.com")

    with pytest.raises(TooManyAttempts) as refused:
        await world.sign_in(client_ip=IP)
    assert refused.value.reason == "ip"
    assert (await world.sign_in(client_ip=OTHER_IP)).user.email.value == EMAIL


async def test_throttled_logins_and_failures_are_reported_with_the_client_address() -> None:
    world = throttled_world()
    user = await world.given_user()
    await world.sign_in(client_ip=IP)
    await fail(world, 3)

    with pytest.raises(TooManyAttempts):
        await world.sign_in(client_ip=IP)

    assert [(e.kind, e.client_ip) for e in world.events.events] == [
        (Kind.LOGIN_SUCCEEDED, IP),
        (Kind.LOGIN_FAILED, IP),
        (Kind.LOGIN_FAILED, IP),
        (Kind.LOGIN_FAILED, IP),
        (Kind.LOGIN_THROTTLED, IP),
    ]
    assert world.events.events[1].user_id == user.id
    throttled = world.events.events[-1]
    assert (throttled.user_id, throttled.reason) == (None, "email_and_ip")


async def test_a_counter_that_does_not_answer_refuses_the_login_before_any_work() -> None:
    world = throttled_world()
    await world.given_user()
    world.attempts.unavailable = True

    with pytest.raises(AttemptCounterUnavailable):
        await world.sign_in(client_ip=IP)

    assert world.hasher.verifications == 0
    assert world.store.sessions == {}


async def test_registration_is_capped_per_address_and_stores_nothing_past_the_cap() -> None:
    world = throttled_world()
    await world.sign_up(email="one@example.com", client_ip=IP)
    with pytest.raises(InvalidEmail):  # a refused attempt counts too
        await world.sign_up(email="not an email", client_ip=IP)

    with pytest.raises(TooManyAttempts) as refused:
        await world.sign_up(email="three@example.com", client_ip=IP)

    assert refused.value.retry_after == 3600
    assert [u.email.value for u in world.store.users.values()] == ["one@example.com"]
    assert world.events.kinds()[-1] is Kind.REGISTRATION_THROTTLED
    assert world.events.events[-1].client_ip == IP
    await world.sign_up(email="three@example.com", client_ip=OTHER_IP)


async def test_of_concurrent_registrations_from_one_address_at_most_the_cap_create() -> None:
    world = a_world(
        registration_limits=RegistrationLimits(max_per_ip=2), hasher=FakePasswordHasher(yields=True)
    )

    outcomes = await asyncio.gather(
        *(world.sign_up(email=f"u{index}@example.com", client_ip=IP) for index in range(20)),
        return_exceptions=True,
    )

    assert len(world.store.users) == 2
    assert sum(isinstance(o, TooManyAttempts) for o in outcomes) == 18


async def test_the_registration_cap_lifts_after_an_hour() -> None:
    world = throttled_world()
    for index in range(2):
        await world.sign_up(email=f"u{index}@example.com", client_ip=IP)
    world.clock.advance(hours=1)

    await world.sign_up(email="later@example.com", client_ip=IP)

    assert len(world.store.users) == 3


async def test_registration_reports_the_client_address() -> None:
    world = throttled_world()

    await world.sign_up(client_ip=IP)

    assert world.events.events[0].client_ip == IP


async def test_of_concurrent_logins_from_one_address_at_most_the_cap_are_checked() -> None:
    world = a_world(login_limits=LIMITS, hasher=FakePasswordHasher(yields=True))
    await world.given_user()
    emails = [EMAIL, *(f"guess{index}@example.com" for index in range(39))]

    outcomes = await asyncio.gather(
        *(world.sign_in(email=email, password=WRONG, client_ip=IP) for email in emails),
        return_exceptions=True,
    )

    assert world.hasher.verifications == LIMITS.max_failures_per_ip
    refused = [o for o in outcomes if isinstance(o, TooManyAttempts)]
    assert len(refused) == len(emails) - LIMITS.max_failures_per_ip
    assert {o.reason for o in refused} == {"ip"}


async def test_of_concurrent_guesses_at_one_pair_at_most_the_pair_limit_are_checked() -> None:
    world = a_world(login_limits=LIMITS, hasher=FakePasswordHasher(yields=True))
    await world.given_user()

    outcomes = await asyncio.gather(
        *(world.sign_in(password=WRONG, client_ip=IP) for _ in range(20)),
        return_exceptions=True,
    )

    assert world.hasher.verifications == LIMITS.max_failures
    assert sum(isinstance(o, TooManyAttempts) for o in outcomes) == 20 - LIMITS.max_failures


async def test_successes_use_up_no_tries_of_the_address() -> None:
    world = throttled_world()
    await world.given_user()
    for _ in range(10):
        await world.sign_in(client_ip=IP)

    for index in range(5):
        await fail(world, 1, email=f"guess{index}@example.com")

    with pytest.raises(TooManyAttempts):
        await world.sign_in(client_ip=IP)


async def test_refused_attempts_add_nothing_to_the_counts() -> None:
    world = throttled_world()
    await world.given_user()
    await fail(world, 3)
    for _ in range(4):
        with pytest.raises(TooManyAttempts):
            await world.sign_in(client_ip=IP)

    assert sorted(count for count, _ in world.attempts.windows.values()) == [3, 3]


async def test_a_database_outage_counts_against_no_throttle() -> None:
    world = throttled_world()
    await world.given_user()
    world.store.down = True

    for password in [WRONG] * 10 + [PASSWORD] * 10:
        with pytest.raises(StoreUnavailable):
            await world.sign_in(password=password, client_ip=IP)
    for _ in range(10):
        with pytest.raises(StoreUnavailable):
            await world.sign_up(email="new@example.com", client_ip=IP)

    assert world.attempts.windows == {}
    world.store.down = False
    assert (await world.sign_in(client_ip=IP)).user.email.value == EMAIL


async def test_an_outage_once_the_password_was_right_uses_up_no_try() -> None:
    world = throttled_world()
    await world.given_user()
    await fail(world, 2)

    def down_on_write(*, read_only: bool = False) -> InMemoryUnitOfWork:
        world.store.down = not read_only  # reading the account works, storing the session not
        return world.unit_of_work(read_only=read_only)

    throttle = LoginThrottle(world.attempts, LIMITS)
    login = world.container.login(unit_of_work=down_on_write, throttle=throttle)
    with pytest.raises(StoreUnavailable):
        await login.execute(LoginCommand(EMAIL, PASSWORD, client_ip=IP))

    # The right password cleared the pair; the address holds the two failures, not a third.
    assert sorted(count for count, _ in world.attempts.windows.values()) == [2]


async def test_an_overloaded_hasher_counts_against_no_throttle() -> None:
    world = throttled_world()
    await world.given_user()
    world.hasher.overloaded = True

    for email in [EMAIL, "nobody@example.com"] * 5:
        with pytest.raises(Overloaded):
            await world.sign_in(email=email, password=WRONG, client_ip=IP)
    for index in range(5):
        with pytest.raises(Overloaded):
            await world.sign_up(email=f"new{index}@example.com", client_ip=IP)

    assert world.attempts.windows == {}
    assert world.store.users.keys() == {next(iter(world.store.users))}


async def test_the_counter_keys_hold_no_email_and_no_address() -> None:
    world = throttled_world()
    await world.given_user()
    await world.sign_in(client_ip=IP)
    await fail(world, 1)
    await world.sign_up(email="other@example.com", client_ip=IP)

    assert len(world.attempts.windows) == 3  # the pair, the address, the registrations
    for key in world.attempts.windows:
        assert IP not in key
        assert "example.com" not in key


async def test_an_ipv6_client_is_counted_per_64_network() -> None:
    world = throttled_world()
    await world.given_user()
    for index in range(5):
        host = f"2001:db8::{index + 1:x}"
        await fail(world, 1, email=f"guess{index}@example.com", ip=host)

    with pytest.raises(TooManyAttempts) as refused:
        await world.sign_in(client_ip="2001:db8::ffff")
    assert refused.value.reason == "ip"
    assert (await world.sign_in(client_ip="2001:db8:0:1::1")).user.email.value == EMAIL


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("2001:db8::1", "2001:db8::ffff"),
        ("2001:db8:0:0:aaaa::1", "2001:DB8::bbbb:0:0:1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("192.0.2.1", " 192.0.2.1 "),
        (None, ""),
    ],
)
def test_addresses_of_one_client_are_counted_as_one(one: str | None, other: str) -> None:
    assert client_of(one) == client_of(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("2001:db8::1", "2001:db8:0:1::1"),
        ("192.0.2.1", "192.0.2.2"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.2"),
        ("not an address", "192.0.2.1"),
    ],
)
def test_addresses_of_different_clients_are_counted_apart(one: str, other: str) -> None:
    assert client_of(one) != client_of(other)


def test_an_ipv4_client_is_its_address_and_an_ipv6_client_its_64() -> None:
    assert client_of("192.0.2.1") == "192.0.2.1"
    assert client_of("2001:db8::1:2:3:4") == "2001:db8::/64"
    assert client_of("fe80::1%eth0") == "fe80::/64"
