import pytest

from domain.errors import AccountDisabled, InvalidCredentials
from domain.tokens import TokenType
from tests.builders import NOW, PASSWORD, a_world


async def test_the_right_password_starts_a_new_session_and_returns_its_tokens() -> None:
    world = a_world()
    user = await world.given_user(email="ada@example.com", password=PASSWORD)

    result = await world.sign_in(email="ada@example.com", password=PASSWORD, user_agent="Safari")

    assert result.user.id == user.id
    [session] = world.store.sessions.values()
    assert session.user_id == user.id
    assert session.created_at == NOW
    assert session.user_agent == "Safari"
    refresh = world.codec.decode(result.tokens.refresh_token, TokenType.REFRESH)
    assert (refresh.session_id, refresh.token_id) == (session.id, session.current_token_id)
    access = world.codec.decode(result.tokens.access_token, TokenType.ACCESS)
    assert (access.subject, access.session_id) == (user.id, session.id)


async def test_each_login_starts_its_own_session() -> None:
    world = a_world()
    await world.given_user()

    first = await world.sign_in()
    second = await world.sign_in()

    assert len(world.store.sessions) == 2
    assert world.session_of(first).id != world.session_of(second).id


async def test_the_email_is_matched_whatever_its_case_and_surrounding_spaces() -> None:
    world = a_world()
    user = await world.given_user(email="ada@example.com")

    result = await world.sign_in(email="  ADA@Example.com ")

    assert result.user.id == user.id


async def test_the_user_agent_is_cut_to_512_characters() -> None:
    world = a_world()
    await world.given_user()

    result = await world.sign_in(user_agent="A" * 511 + "BC")

    assert world.session_of(result).user_agent == "A" * 511 + "B"


async def test_an_empty_user_agent_is_stored_as_none() -> None:
    world = a_world()
    await world.given_user()

    result = await world.sign_in(user_agent="")

    assert world.session_of(result).user_agent is None


async def test_a_wrong_password_is_invalid_credentials_after_one_verification() -> None:
    world = a_world()
    await world.given_user(password=PASSWORD)

    with pytest.raises(InvalidCredentials):
        await world.sign_in(password=PASSWORD + "!")

    assert world.hasher.verifications == 1
    assert world.store.sessions == {}
    assert world.store.commits == 0


@pytest.mark.parametrize("email", ["grace@example.com", "not an email", ""])
async def test_an_unknown_email_is_invalid_credentials_after_the_same_work(email: str) -> None:
    world = a_world()
    await world.given_user(email="ada@example.com")

    with pytest.raises(InvalidCredentials):
        await world.sign_in(email=email)

    assert world.hasher.verifications == 1
    assert world.store.sessions == {}


async def test_a_disabled_account_with_the_right_password_is_account_disabled() -> None:
    world = a_world()
    await world.given_user(is_active=False)

    with pytest.raises(AccountDisabled):
        await world.sign_in()

    assert world.store.sessions == {}


async def test_a_disabled_account_with_a_wrong_password_does_not_reveal_it_is_disabled() -> None:
    world = a_world()
    await world.given_user(is_active=False)

    with pytest.raises(InvalidCredentials):
        await world.sign_in(password="not the password at all")


async def test_a_hash_made_with_an_older_hasher_version_is_replaced_at_login() -> None:
    world = a_world()
    user = await world.given_user(password=PASSWORD)
    world.hasher.version = 2
    assert world.hasher.needs_rehash(user.password_hash)

    result = await world.sign_in(password=PASSWORD)

    upgraded = world.store.users[user.id].password_hash
    assert upgraded != user.password_hash
    assert not world.hasher.needs_rehash(upgraded)
    assert await world.hasher.verify(upgraded, PASSWORD)
    assert result.user.password_hash == upgraded
    assert world.store.users[user.id].email == user.email
    assert world.store.users[user.id].is_active


async def test_the_upgraded_hash_still_logs_in() -> None:
    world = a_world()
    await world.given_user(password=PASSWORD)
    world.hasher.version = 2
    await world.sign_in(password=PASSWORD)

    result = await world.sign_in(password=PASSWORD)

    assert result.user.email.value == "ada@example.com"


async def test_a_current_hash_is_left_alone_at_login() -> None:
    world = a_world()
    user = await world.given_user(password=PASSWORD)

    await world.sign_in(password=PASSWORD)

    assert world.store.users[user.id].password_hash == user.password_hash


async def test_a_failed_login_does_not_upgrade_an_old_hash() -> None:
    world = a_world()
    user = await world.given_user(password=PASSWORD)
    world.hasher.version = 2

    with pytest.raises(InvalidCredentials):
        await world.sign_in(password="wrong but long enough")

    assert world.store.users[user.id].password_hash == user.password_hash
