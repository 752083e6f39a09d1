"""The contract of the second-factor and sign-in challenge repositories, run against the
in-memory fakes and SQLAlchemy on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.one_time_link import link_token_hash
from domain.second_factor import MfaChallenge, SealedSecret, TotpFactor
from domain.user import User
from tests.builders import NOW, a_user
from tests.integration.persistence.conftest import Backend

TTL = timedelta(minutes=5)


async def given_user(backend: Backend, email: str = "ada@example.com") -> User:
    user = a_user(email=email)
    async with backend.unit_of_work() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


def a_factor(user: User, ciphertext: bytes = b"\x00sealed\xff") -> TotpFactor:
    return TotpFactor(user.id, SealedSecret("k1", ciphertext), created_at=NOW)


async def given_enabled_factor(backend: Backend, user: User, step: int = 100) -> None:
    async with backend.unit_of_work() as uow:
        await uow.second_factors.save_pending_totp(a_factor(user))
        assert await uow.second_factors.confirm_totp(user.id, step, NOW)
        await uow.second_factors.replace_recovery_codes(user.id, ["h1", "h2", "h3"])
        await uow.commit()


def a_challenge(user: User, name: str = "token", failures: int = 0) -> MfaChallenge:
    return MfaChallenge(
        token_hash=link_token_hash(name),
        user_id=user.id,
        credentials_version=user.credentials_version,
        created_at=NOW,
        expires_at=NOW + TTL,
        failures=failures,
    )


async def test_a_pending_factor_reads_back_as_stored_and_replaces_a_pending_one(backend) -> None:
    user = await given_user(backend)
    async with backend.unit_of_work() as uow:
        await uow.second_factors.save_pending_totp(a_factor(user, b"first"))
        await uow.second_factors.save_pending_totp(a_factor(user, b"second"))
        await uow.commit()

    async with backend.unit_of_work(read_only=True) as uow:
        stored = await uow.second_factors.get_totp(user.id)

    assert stored == a_factor(user, b"second")
    assert not stored.enabled


async def test_confirming_needs_a_pending_factor_and_happens_once(backend) -> None:
    user = await given_user(backend)
    async with backend.unit_of_work() as uow:
        assert not await uow.second_factors.confirm_totp(user.id, 7, NOW)
        await uow.second_factors.save_pending_totp(a_factor(user))
        assert await uow.second_factors.confirm_totp(user.id, 7, NOW)
        assert not await uow.second_factors.confirm_totp(user.id, 8, NOW)
        await uow.commit()

    async with backend.unit_of_work(read_only=True) as uow:
        stored = await uow.second_factors.get_totp(user.id)
    assert stored is not None
    assert stored.confirmed_at == NOW
    assert stored.last_used_step == 7


async def test_a_confirmed_factor_is_not_replaced_by_a_pending_one(backend) -> None:
    user = await given_user(backend)
    await given_enabled_factor(backend, user)

    # The same refusal as for a missing user: a constraint of the store (its primary key).
    with pytest.raises(backend.missing_user_error):
        async with backend.unit_of_work() as uow:
            await uow.second_factors.save_pending_totp(a_factor(user, b"other"))


async def test_a_time_step_is_accepted_only_after_the_last_one(backend) -> None:
    user = await given_user(backend)
    await given_enabled_factor(backend, user, step=100)

    async with backend.unit_of_work() as uow:
        accepted = [await uow.second_factors.use_totp_step(user.id, s) for s in (99, 100, 101)]
        again = await uow.second_factors.use_totp_step(user.id, 101)
        await uow.commit()

    assert accepted == [False, False, True]
    assert again is False


async def test_of_two_racing_uses_of_one_step_exactly_one_wins(backend) -> None:
    user = await given_user(backend)
    await given_enabled_factor(backend, user, step=100)

    async def use() -> bool:
        async with backend.unit_of_work() as uow:
            accepted = await uow.second_factors.use_totp_step(user.id, 101)
            await uow.commit()
        return accepted

    assert sorted(await asyncio.gather(use(), use())) == [False, True]


async def test_a_recovery_code_is_spent_once_and_codes_are_counted(backend) -> None:
    user = await given_user(backend)
    await given_enabled_factor(backend, user)

    async with backend.unit_of_work() as uow:
        first = await uow.second_factors.use_recovery_code(user.id, "h2")
        second = await uow.second_factors.use_recovery_code(user.id, "h2")
        unknown = await uow.second_factors.use_recovery_code(user.id, "nope")
        left = await uow.second_factors.count_recovery_codes(user.id)
        await uow.commit()

    assert (first, second, unknown, left) == (True, False, False, 2)


async def test_replacing_recovery_codes_kills_the_earlier_ones(backend) -> None:
    user = await given_user(backend)
    await given_enabled_factor(backend, user)

    async with backend.unit_of_work() as uow:
        await uow.second_factors.replace_recovery_codes(user.id, ["n1", "n2"])
        await uow.commit()

    async with backend.unit_of_work() as uow:
        assert not await uow.second_factors.use_recovery_code(user.id, "h1")
        assert await uow.second_factors.use_recovery_code(user.id, "n1")
        assert await uow.second_factors.count_recovery_codes(user.id) == 1


async def test_removing_takes_the_factor_and_its_codes(backend) -> None:
    user = await given_user(backend)
    await given_enabled_factor(backend, user)

    async with backend.unit_of_work() as uow:
        assert await uow.second_factors.remove_totp(user.id)
        assert not await uow.second_factors.remove_totp(user.id)
        await uow.commit()

    async with backend.unit_of_work(read_only=True) as uow:
        assert await uow.second_factors.get_totp(user.id) is None
        assert await uow.second_factors.count_recovery_codes(user.id) == 0


async def test_nothing_is_kept_without_a_commit(backend) -> None:
    user = await given_user(backend)
    async with backend.unit_of_work() as uow:
        await uow.second_factors.save_pending_totp(a_factor(user))
        await uow.mfa_challenges.add(a_challenge(user))

    async with backend.unit_of_work(read_only=True) as uow:
        assert await uow.second_factors.get_totp(user.id) is None
        assert await uow.mfa_challenges.get(link_token_hash("token")) is None


async def test_deleting_the_user_deletes_its_factor_codes_and_challenges(backend) -> None:
    user = await given_user(backend)
    other = await given_user(backend, "grace@example.com")
    await given_enabled_factor(backend, user)
    await given_enabled_factor(backend, other)
    async with backend.unit_of_work() as uow:
        await uow.mfa_challenges.add(a_challenge(user, "mine"))
        await uow.mfa_challenges.add(a_challenge(other, "theirs"))
        await uow.commit()

    async with backend.unit_of_work() as uow:
        await uow.users.delete(user.id)
        await uow.commit()

    async with backend.unit_of_work(read_only=True) as uow:
        assert await uow.second_factors.get_totp(user.id) is None
        assert await uow.second_factors.count_recovery_codes(user.id) == 0
        assert await uow.mfa_challenges.get(link_token_hash("mine")) is None
        assert await uow.second_factors.get_totp(other.id) is not None
        assert await uow.second_factors.count_recovery_codes(other.id) == 3
        assert await uow.mfa_challenges.get(link_token_hash("theirs")) is not None


async def test_a_challenge_of_an_unknown_user_is_refused(backend) -> None:
    with pytest.raises(backend.missing_user_error):
        async with backend.unit_of_work() as uow:
            await uow.mfa_challenges.add(a_challenge(a_user()))


async def test_a_challenge_reads_back_counts_failures_and_is_consumed_once(backend) -> None:
    user = await given_user(backend)
    async with backend.unit_of_work() as uow:
        await uow.mfa_challenges.add(a_challenge(user))
        await uow.commit()

    async with backend.unit_of_work() as uow:
        await uow.mfa_challenges.count_failure(link_token_hash("token"))
        await uow.mfa_challenges.count_failure(link_token_hash("token"))
        first = await uow.mfa_challenges.consume(link_token_hash("token"), NOW)
        second = await uow.mfa_challenges.consume(link_token_hash("token"), NOW)
        stored = await uow.mfa_challenges.get(link_token_hash("token"))
        await uow.commit()

    assert (first, second) == (True, False)
    assert stored == MfaChallenge(
        token_hash=link_token_hash("token"),
        user_id=user.id,
        credentials_version=0,
        created_at=NOW,
        expires_at=NOW + TTL,
        failures=2,
        used_at=NOW,
    )


@pytest.mark.parametrize(
    ("failures", "now", "consumed"),
    [(4, NOW, True), (5, NOW, False), (0, NOW + TTL, False), (0, NOW + TTL / 2, True)],
)
async def test_an_expired_or_exhausted_challenge_is_not_consumed(
    backend, failures, now, consumed
) -> None:
    user = await given_user(backend)
    async with backend.unit_of_work() as uow:
        await uow.mfa_challenges.add(a_challenge(user, failures=failures))
        assert await uow.mfa_challenges.consume(link_token_hash("token"), now) is consumed


async def test_pruning_deletes_the_challenges_expired_before_the_moment(backend) -> None:
    user = await given_user(backend)
    async with backend.unit_of_work() as uow:
        await uow.mfa_challenges.add(a_challenge(user, "old"))
        await uow.mfa_challenges.add(
            MfaChallenge(link_token_hash("new"), user.id, 0, NOW, NOW + 2 * TTL)
        )
        await uow.commit()

    async with backend.unit_of_work() as uow:
        pruned = await uow.mfa_challenges.prune(NOW + TTL + timedelta(seconds=1))
        await uow.commit()

    async with backend.unit_of_work(read_only=True) as uow:
        assert pruned == 1
        assert await uow.mfa_challenges.get(link_token_hash("old")) is None
        assert await uow.mfa_challenges.get(link_token_hash("new")) is not None
