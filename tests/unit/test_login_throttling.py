"""docs/api.md "Login throttling", on the use cases with an in-memory counter and a test clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.events import SecurityEventKind as Kind
from application.ports import AttemptCounterUnavailable
from application.throttling import LoginLimits, RegistrationLimits
from domain.errors import InvalidCredentials, InvalidEmail, TooManyAttempts
from tests.builders import EMAIL, PASSWORD, World, a_world

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


async def test_without_a_throttle_the_use_cases_do_not_count() -> None:
    from application.login import Login, LoginCommand

    world = a_world()
    await world.given_user()
    login = Login(world.unit_of_work, world.hasher, world.issuer, world.clock)
    for _ in range(10):
        with pytest.raises(InvalidCredentials):
            await login.execute(LoginCommand(EMAIL, WRONG, client_ip=IP))

    assert (await login.execute(LoginCommand(EMAIL, PASSWORD, client_ip=IP))).user
