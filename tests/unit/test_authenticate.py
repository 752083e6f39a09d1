import uuid

import pytest

from application.results import Principal
from domain.errors import InvalidToken
from tests.builders import a_world


async def test_an_access_token_authenticates_as_its_user_and_session() -> None:
    world = a_world()
    signed = await world.sign_up()

    principal = world.authenticate.execute(signed.tokens.access_token)

    assert principal == Principal(
        user_id=signed.user.id, session_id=world.session_of(signed).id, credentials_version=0
    )


async def test_a_refresh_token_does_not_authenticate() -> None:
    world = a_world()
    signed = await world.sign_up()
    with pytest.raises(InvalidToken):
        world.authenticate.execute(signed.tokens.refresh_token)


@pytest.mark.parametrize("token", ["", "garbage", "access.never-issued"])
def test_a_token_nobody_issued_does_not_authenticate(token: str) -> None:
    with pytest.raises(InvalidToken):
        a_world().authenticate.execute(token)


async def test_an_expired_access_token_does_not_authenticate() -> None:
    world = a_world()
    signed = await world.sign_up()
    world.clock.advance(minutes=15)
    with pytest.raises(InvalidToken):
        world.authenticate.execute(signed.tokens.access_token)


async def test_an_access_token_authenticates_until_just_before_it_expires() -> None:
    world = a_world()
    signed = await world.sign_up()
    world.clock.advance(minutes=14, seconds=59)
    assert world.authenticate.execute(signed.tokens.access_token).user_id == signed.user.id


async def test_the_current_user_is_the_one_the_principal_speaks_for() -> None:
    world = a_world()
    await world.given_user(email="grace@example.com")
    signed = await world.sign_up(email="ada@example.com")
    principal = world.authenticate.execute(signed.tokens.access_token)

    user = await world.get_current_user.execute(principal)

    assert user.id == signed.user.id
    assert user.email.value == "ada@example.com"


async def test_a_deleted_user_has_no_current_user() -> None:
    world = a_world()
    signed = await world.sign_up()
    principal = world.authenticate.execute(signed.tokens.access_token)
    del world.store.users[signed.user.id]

    with pytest.raises(InvalidToken):
        await world.get_current_user.execute(principal)


async def test_a_disabled_user_has_no_current_user() -> None:
    world = a_world()
    signed = await world.sign_up()
    principal = world.authenticate.execute(signed.tokens.access_token)
    world.store.users[signed.user.id].is_active = False

    with pytest.raises(InvalidToken):
        await world.get_current_user.execute(principal)


async def test_a_principal_for_an_unknown_user_has_no_current_user() -> None:
    world = a_world()
    with pytest.raises(InvalidToken):
        await world.get_current_user.execute(
            Principal(user_id=uuid.uuid4(), session_id=uuid.uuid4(), credentials_version=0)
        )


async def test_a_principal_whose_credentials_version_is_not_the_accounts_has_no_current_user() -> (
    None
):
    world = a_world()
    signed = await world.sign_up()
    principal = world.authenticate.execute(signed.tokens.access_token)
    world.store.users[signed.user.id].credentials_version += 1

    with pytest.raises(InvalidToken):
        await world.get_current_user.execute(principal)


async def test_the_access_token_carries_the_sessions_credentials_version_and_amr() -> None:
    world = a_world()
    signed = await world.sign_up()

    claims = world.claims_of(signed.tokens.access_token)

    session = world.session_of(signed)
    assert (claims.credentials_version, claims.amr) == (session.credentials_version, ("pwd",))
