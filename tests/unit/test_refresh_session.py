import asyncio
import copy
from datetime import timedelta
from uuid import UUID

import pytest

from application.events import SecurityEvent, SecurityEventKind
from application.results import AuthResult
from domain.errors import (
    CredentialsChanged,
    InvalidToken,
    RefreshTokenReused,
    SessionExpired,
    SessionRevoked,
)
from domain.session import Session
from domain.tokens import TokenType
from domain.user import User
from tests.builders import NOW, World, a_lifetime, a_world
from tests.fakes.persistence import InMemorySessionRepository


async def signed_up(world: World) -> tuple[AuthResult, Session]:
    result = await world.sign_up()
    return result, world.session_of(result)


def stored(world: World, session_id: UUID) -> Session:
    return world.store.sessions[session_id]


async def test_refreshing_rotates_the_session_and_returns_a_new_pair() -> None:
    world = a_world()
    first, session = await signed_up(world)
    world.clock.advance(hours=1)

    second = await world.refresh_with(first.tokens.refresh_token)

    rotated = stored(world, session.id)
    new_refresh = world.codec.decode(second.tokens.refresh_token, TokenType.REFRESH)
    assert new_refresh.session_id == session.id
    assert new_refresh.token_id == rotated.current_token_id != session.current_token_id
    assert rotated.previous_token_id == session.current_token_id
    assert rotated.rotated_at == rotated.last_used_at == NOW + timedelta(hours=1)
    assert rotated.created_at == NOW
    assert second.tokens.access_token != first.tokens.access_token
    assert second.tokens.refresh_token != first.tokens.refresh_token
    assert second.user.id == first.user.id


async def test_refreshing_slides_the_idle_expiry_of_the_session_and_the_new_token() -> None:
    world = a_world()
    first, session = await signed_up(world)
    world.clock.advance(days=10)

    second = await world.refresh_with(first.tokens.refresh_token)

    expected = NOW + timedelta(days=10) + world.lifetime.idle
    assert stored(world, session.id).idle_expires_at == expected
    assert second.tokens.refresh_expires_at == expected
    assert second.tokens.access_expires_at == NOW + timedelta(days=10) + world.policy.access_ttl


async def test_the_new_refresh_token_can_refresh_again() -> None:
    world = a_world()
    first, session = await signed_up(world)
    second = await world.refresh_with(first.tokens.refresh_token)
    world.clock.advance(minutes=1)

    third = await world.refresh_with(second.tokens.refresh_token)

    third_id = world.claims_of(third.tokens.refresh_token).token_id
    assert stored(world, session.id).current_token_id == third_id


async def test_an_access_token_cannot_refresh() -> None:
    world = a_world()
    first, session = await signed_up(world)

    with pytest.raises(InvalidToken):
        await world.refresh_with(first.tokens.access_token)

    assert stored(world, session.id).current_token_id == session.current_token_id


async def test_an_unknown_token_cannot_refresh() -> None:
    world = a_world()
    await signed_up(world)
    with pytest.raises(InvalidToken):
        await world.refresh_with("refresh.made-up")


async def test_the_previous_token_inside_the_grace_gets_the_last_rotations_answer() -> None:
    world = a_world()
    first, session = await signed_up(world)
    world.clock.advance(hours=1)
    second = await world.refresh_with(first.tokens.refresh_token)
    world.clock.advance(seconds=5)  # the window's last instant
    commits, rotated = world.store.commits, copy.deepcopy(stored(world, session.id))

    replayed = await world.refresh_with(first.tokens.refresh_token)

    winner = world.claims_of(second.tokens.refresh_token)
    again = world.claims_of(replayed.tokens.refresh_token)
    assert (again.token_id, again.session_id, again.expires_at) == (
        winner.token_id,
        winner.session_id,
        winner.expires_at,
    )
    assert replayed.tokens.refresh_token != second.tokens.refresh_token  # encoded afresh
    assert replayed.tokens.refresh_expires_at == second.tokens.refresh_expires_at
    assert replayed.tokens.access_token not in (
        first.tokens.access_token,
        second.tokens.access_token,
    )
    assert replayed.tokens.access_expires_at == world.clock.now() + world.policy.access_ttl
    assert replayed.user.id == first.user.id
    assert world.store.commits == commits
    assert stored(world, session.id) == rotated


async def test_a_replay_is_reported_as_a_security_event_with_the_session() -> None:
    world = a_world()
    first, session = await signed_up(world)
    await world.refresh_with(first.tokens.refresh_token)

    await world.refresh_with(first.tokens.refresh_token)

    assert world.events.events[-1] == SecurityEvent(
        SecurityEventKind.REFRESH_REPLAYED, user_id=session.user_id, session_id=session.id
    )


async def test_after_a_replay_both_answers_hold_the_token_that_refreshes_next() -> None:
    world = a_world()
    first, session = await signed_up(world)
    second = await world.refresh_with(first.tokens.refresh_token)
    replayed = await world.refresh_with(first.tokens.refresh_token)
    world.clock.advance(minutes=1)

    third = await world.refresh_with(replayed.tokens.refresh_token)

    assert stored(world, session.id).revoked_at is None
    assert (
        stored(world, session.id).current_token_id
        == world.claims_of(third.tokens.refresh_token).token_id
    )
    # The winner's copy is now the previous token, inside the window: the same answer again.
    again = await world.refresh_with(second.tokens.refresh_token)
    assert (
        world.claims_of(again.tokens.refresh_token).token_id
        == stored(world, session.id).current_token_id
    )


async def test_a_replay_refuses_an_account_disabled_since_the_rotation() -> None:
    world = a_world()
    first, _ = await signed_up(world)
    await world.refresh_with(first.tokens.refresh_token)
    world.store.users[first.user.id].is_active = False

    with pytest.raises(InvalidToken):
        await world.refresh_with(first.tokens.refresh_token)


async def test_reusing_a_rotated_refresh_token_revokes_the_session() -> None:
    world = a_world()
    first, session = await signed_up(world)
    second = await world.refresh_with(first.tokens.refresh_token)
    world.clock.advance(seconds=6)
    commits = world.store.commits

    with pytest.raises(RefreshTokenReused):
        await world.refresh_with(first.tokens.refresh_token)

    assert stored(world, session.id).revoked_at == NOW + timedelta(seconds=6)
    assert world.store.commits == commits + 1
    with pytest.raises(SessionRevoked):
        await world.refresh_with(second.tokens.refresh_token)


async def test_reuse_is_reported_as_a_security_event() -> None:
    world = a_world()
    first, session = await signed_up(world)
    await world.refresh_with(first.tokens.refresh_token)
    world.clock.advance(minutes=1)

    with pytest.raises(RefreshTokenReused):
        await world.refresh_with(first.tokens.refresh_token)

    assert world.events.events[-1] == SecurityEvent(
        SecurityEventKind.REFRESH_REUSE_DETECTED, user_id=session.user_id, session_id=session.id
    )


async def test_a_token_older_than_the_previous_one_is_reuse_even_inside_the_grace() -> None:
    world = a_world()
    first, session = await signed_up(world)
    second = await world.refresh_with(first.tokens.refresh_token)
    await world.refresh_with(second.tokens.refresh_token)

    with pytest.raises(RefreshTokenReused):
        await world.refresh_with(first.tokens.refresh_token)

    assert stored(world, session.id).revoked_at == NOW


async def test_a_zero_grace_treats_even_an_instant_replay_of_the_previous_token_as_reuse() -> None:
    world = a_world(lifetime=a_lifetime(reuse_grace=timedelta(0)))
    first, session = await signed_up(world)
    await world.refresh_with(first.tokens.refresh_token)

    with pytest.raises(RefreshTokenReused):
        await world.refresh_with(first.tokens.refresh_token)

    assert stored(world, session.id).revoked_at == NOW


async def test_a_revoked_session_cannot_refresh() -> None:
    world = a_world()
    first, session = await signed_up(world)
    stored(world, session.id).revoke(NOW)

    with pytest.raises(SessionRevoked):
        await world.refresh_with(first.tokens.refresh_token)


async def test_a_session_idle_for_its_whole_idle_time_cannot_refresh() -> None:
    world = a_world()
    first, session = await signed_up(world)
    world.clock.advance(days=14)

    with pytest.raises(InvalidToken):
        await world.refresh_with(first.tokens.refresh_token)

    assert stored(world, session.id).current_token_id == session.current_token_id


async def test_a_session_past_its_idle_time_is_expired_even_if_the_codec_allows_leeway() -> None:
    # The real codec accepts a token up to 30 s past `exp`; the session itself must still say no.
    world = a_world()
    _, session = await signed_up(world)
    lenient = world.forge_refresh_token(
        session, expires_at=session.idle_expires_at + timedelta(seconds=30)
    )
    world.clock.advance(days=14, seconds=10)

    with pytest.raises(SessionExpired):
        await world.refresh_with(lenient)


async def test_rotation_never_extends_the_absolute_lifetime() -> None:
    world = a_world()
    result, session = await signed_up(world)
    absolute_end = NOW + world.lifetime.absolute

    for _ in range(2):  # days 13 and 26, each inside the idle window
        world.clock.advance(days=13)
        result = await world.refresh_with(result.tokens.refresh_token)
        assert stored(world, session.id).expires_at == absolute_end

    assert result.tokens.refresh_expires_at == absolute_end
    assert stored(world, session.id).idle_expires_at == absolute_end
    world.clock.current = absolute_end
    with pytest.raises(InvalidToken):
        await world.refresh_with(result.tokens.refresh_token)


async def test_a_session_past_its_absolute_lifetime_is_expired_even_with_codec_leeway() -> None:
    world = a_world(lifetime=a_lifetime(idle=timedelta(days=14), absolute=timedelta(days=20)))
    result, session = await signed_up(world)
    world.clock.advance(days=10)
    await world.refresh_with(result.tokens.refresh_token)
    rotated = stored(world, session.id)
    lenient = world.forge_refresh_token(rotated, expires_at=NOW + timedelta(days=40))
    world.clock.current = NOW + timedelta(days=20)

    with pytest.raises(SessionExpired):
        await world.refresh_with(lenient)


async def test_the_refresh_token_never_outlives_its_session() -> None:
    world = a_world(lifetime=a_lifetime(idle=timedelta(days=3), absolute=timedelta(days=7)))
    result, session = await signed_up(world)

    for _ in range(10):
        expires_at = stored(world, session.id).expires_at
        assert result.tokens.refresh_expires_at <= expires_at
        assert world.claims_of(result.tokens.refresh_token).expires_at <= expires_at
        world.clock.advance(hours=20)
        if world.clock.now() >= expires_at:
            break
        result = await world.refresh_with(result.tokens.refresh_token)
    assert world.clock.now() >= NOW + timedelta(days=7)


async def test_a_deleted_user_cannot_refresh() -> None:
    world = a_world()
    first, session = await signed_up(world)
    del world.store.users[first.user.id]

    with pytest.raises(InvalidToken):
        await world.refresh_with(first.tokens.refresh_token)

    assert stored(world, session.id).current_token_id == session.current_token_id


async def test_a_disabled_user_cannot_refresh() -> None:
    world = a_world()
    first, session = await signed_up(world)
    world.store.users[first.user.id].is_active = False

    with pytest.raises(InvalidToken):
        await world.refresh_with(first.tokens.refresh_token)

    assert stored(world, session.id).current_token_id == session.current_token_id


async def test_a_token_whose_subject_is_not_the_session_user_is_refused() -> None:
    world = a_world()
    _, session = await signed_up(world)
    other = await world.given_user(email="mallory@example.com")
    foreign = world.forge_refresh_token(session, subject=other.id)

    with pytest.raises(InvalidToken):
        await world.refresh_with(foreign)

    untouched = stored(world, session.id)
    assert untouched.current_token_id == session.current_token_id
    assert untouched.revoked_at is None


async def test_a_token_for_a_session_that_does_not_exist_is_refused() -> None:
    world = a_world()
    _, session = await signed_up(world)
    del world.store.sessions[session.id]
    with pytest.raises(InvalidToken):
        await world.refresh_with(world.forge_refresh_token(session))


CONCURRENT = 8


async def refresh_all_at_once(world: World, token: str) -> list[AuthResult | BaseException]:
    """`CONCURRENT` refreshes with one token; the fakes yield after every read, so each request
    reads the session before any of them writes."""
    return await asyncio.gather(
        *(world.refresh_with(token) for _ in range(CONCURRENT)), return_exceptions=True
    )


async def test_concurrent_refreshes_with_one_token_rotate_once_and_all_get_its_token() -> None:
    world = a_world()
    first, session = await signed_up(world)
    commits = world.store.commits

    outcomes = await refresh_all_at_once(world, first.tokens.refresh_token)

    assert all(isinstance(outcome, AuthResult) for outcome in outcomes), outcomes
    results = [outcome for outcome in outcomes if isinstance(outcome, AuthResult)]
    current = stored(world, session.id)
    assert current.revoked_at is None
    assert current.previous_token_id == session.current_token_id
    assert {world.claims_of(r.tokens.refresh_token).token_id for r in results} == {
        current.current_token_id
    }
    assert world.store.commits == commits + 1  # one rotation
    assert world.events.kinds()[-CONCURRENT:].count(SecurityEventKind.REFRESHED) == 1
    assert world.events.kinds()[-CONCURRENT:].count(SecurityEventKind.REFRESH_REPLAYED) == (
        CONCURRENT - 1
    )


async def test_without_a_window_the_losers_of_a_race_are_refused_and_the_session_lives() -> None:
    world = a_world(lifetime=a_lifetime(reuse_grace=timedelta(0)))
    first, session = await signed_up(world)

    outcomes = await refresh_all_at_once(world, first.tokens.refresh_token)

    [winner] = [outcome for outcome in outcomes if isinstance(outcome, AuthResult)]
    losers = [outcome for outcome in outcomes if not isinstance(outcome, AuthResult)]
    assert [type(loser) for loser in losers] == [InvalidToken] * (CONCURRENT - 1)
    current = stored(world, session.id)
    assert current.revoked_at is None
    assert current.current_token_id == world.claims_of(winner.tokens.refresh_token).token_id
    # After the winner committed, the same token is reuse.
    with pytest.raises(RefreshTokenReused):
        await world.refresh_with(first.tokens.refresh_token)


async def test_the_race_check_catches_a_compare_and_swap_that_does_not_compare(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The test above is only worth something if the fakes interleave the requests: with a
    # store whose rotation takes whatever token it finds, every request must rotate.
    swap = InMemorySessionRepository.save_rotation

    async def swap_without_comparing(
        self: InMemorySessionRepository, session: Session, expected_token_id: str
    ) -> bool:
        del expected_token_id
        found = self._find(session.id)
        return found is not None and await swap(self, session, found.current_token_id)

    monkeypatch.setattr(InMemorySessionRepository, "save_rotation", swap_without_comparing)
    world = a_world()
    first, _ = await signed_up(world)

    await refresh_all_at_once(world, first.tokens.refresh_token)

    assert world.events.kinds().count(SecurityEventKind.REFRESHED) == CONCURRENT


async def test_a_refresh_that_loses_to_a_concurrent_revocation_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = a_world()
    first, session = await signed_up(world)
    read = InMemorySessionRepository.get_with_owner

    async def read_then_sign_out_elsewhere(
        self: InMemorySessionRepository, session_id: UUID
    ) -> tuple[Session, User] | None:
        found = await read(self, session_id)
        monkeypatch.setattr(InMemorySessionRepository, "get_with_owner", read)
        await world.sign_out(first.tokens.refresh_token)  # commits before this refresh writes
        return found

    monkeypatch.setattr(InMemorySessionRepository, "get_with_owner", read_then_sign_out_elsewhere)

    with pytest.raises(SessionRevoked):
        await world.refresh_with(first.tokens.refresh_token)

    assert stored(world, session.id).current_token_id == session.current_token_id
    assert stored(world, session.id).revoked_at == NOW


async def test_a_session_begun_before_a_credential_change_is_revoked_when_it_refreshes() -> None:
    world = a_world()
    first, session = await signed_up(world)
    # A password change that committed after this session's login stored it.
    world.store.users[first.user.id].credentials_version += 1

    with pytest.raises(CredentialsChanged):
        await world.refresh_with(first.tokens.refresh_token)

    assert stored(world, session.id).revoked_at == NOW
    assert stored(world, session.id).current_token_id == session.current_token_id
    assert world.events.events[-1] == SecurityEvent(
        SecurityEventKind.SESSION_REVOKED,
        user_id=session.user_id,
        session_id=session.id,
        reason="credentials_changed",
    )


async def test_an_old_token_after_logout_is_refused_as_revoked_and_not_raised_as_reuse() -> None:
    world = a_world()
    first, session = await signed_up(world)
    second = await world.refresh_with(first.tokens.refresh_token)
    await world.sign_out(second.tokens.refresh_token)
    world.clock.advance(minutes=1)
    commits = world.store.commits

    reported = len(world.events.events)

    with pytest.raises(SessionRevoked):
        await world.refresh_with(first.tokens.refresh_token)

    assert world.events.events[reported:] == []
    assert world.store.commits == commits
    assert stored(world, session.id).revoked_at == NOW


async def test_an_old_token_of_an_expired_session_is_refused_as_expired_and_not_as_reuse() -> None:
    world = a_world()
    first, session = await signed_up(world)
    await world.refresh_with(first.tokens.refresh_token)
    lenient = world.forge_refresh_token(session, expires_at=session.expires_at + timedelta(days=1))
    world.clock.advance(days=15)

    with pytest.raises(SessionExpired):
        await world.refresh_with(lenient)

    assert stored(world, session.id).revoked_at is None
