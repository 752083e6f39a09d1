from datetime import timedelta

import pytest

from domain.errors import SessionRevoked
from tests.builders import NOW, a_world


async def test_logging_out_revokes_the_session() -> None:
    world = a_world()
    signed = await world.sign_up()
    world.clock.advance(minutes=3)

    await world.sign_out(signed.tokens.refresh_token)

    assert world.session_of(signed).revoked_at == NOW + timedelta(minutes=3)


async def test_after_logout_the_refresh_token_cannot_refresh() -> None:
    world = a_world()
    signed = await world.sign_up()

    await world.sign_out(signed.tokens.refresh_token)

    with pytest.raises(SessionRevoked):
        await world.refresh_with(signed.tokens.refresh_token)


async def test_logging_out_ends_only_that_session() -> None:
    world = a_world()
    phone = await world.sign_up()
    laptop = await world.sign_in()

    await world.sign_out(phone.tokens.refresh_token)

    assert world.session_of(laptop).revoked_at is None
    await world.refresh_with(laptop.tokens.refresh_token)


@pytest.mark.parametrize("token", [None, ""])
async def test_logging_out_without_a_token_does_nothing(token: str | None) -> None:
    world = a_world()
    signed = await world.sign_up()
    commits = world.store.commits

    await world.sign_out(token)

    assert world.store.commits == commits
    assert world.session_of(signed).revoked_at is None


async def test_logging_out_with_an_invalid_token_does_nothing() -> None:
    world = a_world()
    signed = await world.sign_up()
    commits = world.store.commits

    await world.sign_out("refresh.not-a-token-anyone-issued")

    assert world.store.commits == commits
    assert world.session_of(signed).revoked_at is None


async def test_logging_out_twice_keeps_the_first_revocation() -> None:
    world = a_world()
    signed = await world.sign_up()
    await world.sign_out(signed.tokens.refresh_token)
    commits = world.store.commits
    world.clock.advance(hours=1)

    await world.sign_out(signed.tokens.refresh_token)

    assert world.session_of(signed).revoked_at == NOW
    assert world.store.commits == commits


async def test_an_access_token_does_not_log_out() -> None:
    world = a_world()
    signed = await world.sign_up()

    await world.sign_out(signed.tokens.access_token)

    assert world.session_of(signed).revoked_at is None
    await world.refresh_with(signed.tokens.refresh_token)


async def test_a_token_whose_subject_is_not_the_session_user_does_not_log_out() -> None:
    world = a_world()
    signed = await world.sign_up()
    session = world.session_of(signed)
    other = await world.given_user(email="mallory@example.com")

    await world.sign_out(world.forge_refresh_token(session, subject=other.id))

    assert world.session_of(signed).revoked_at is None


async def test_logging_out_with_a_token_of_a_deleted_session_does_nothing() -> None:
    world = a_world()
    signed = await world.sign_up()
    del world.store.sessions[world.claims_of(signed.tokens.refresh_token).session_id]
    commits = world.store.commits

    await world.sign_out(signed.tokens.refresh_token)

    assert world.store.commits == commits
    assert world.store.sessions == {}
