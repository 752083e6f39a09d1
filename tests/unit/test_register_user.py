import pytest

from application.register_user import RegisterCommand
from domain.email import Email
from domain.errors import EmailAlreadyRegistered, InvalidEmail, WeakPassword
from domain.tokens import TokenType
from tests.builders import NOW, PASSWORD, World, a_world


def refuse_to_hash(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    async def hash_(password: str) -> str:
        raise AssertionError("hashed a password that was going to be refused anyway")

    monkeypatch.setattr(world.hasher, "hash", hash_)


async def test_registering_stores_the_user_with_a_hash_of_the_password() -> None:
    world = a_world()

    result = await world.sign_up(email="ada@example.com", password=PASSWORD)

    stored = world.store.users[result.user.id]
    assert stored.email == Email.parse("ada@example.com")
    assert stored.is_active
    assert stored.created_at == NOW
    assert stored.password_hash != PASSWORD
    assert await world.hasher.verify(stored.password_hash, PASSWORD)
    assert not await world.hasher.verify(stored.password_hash, PASSWORD + "x")


async def test_registering_normalizes_the_email() -> None:
    world = a_world()

    result = await world.sign_up(email="  Ada@Example.COM ")

    assert result.user.email.value == "ada@example.com"
    assert world.store.users[result.user.id].email.value == "ada@example.com"


async def test_registering_signs_in_with_a_session_that_the_refresh_token_names() -> None:
    world = a_world()

    result = await world.sign_up(user_agent="Firefox")

    [session] = world.store.sessions.values()
    assert session.user_id == result.user.id
    assert session.user_agent == "Firefox"
    refresh = world.codec.decode(result.tokens.refresh_token, TokenType.REFRESH)
    assert refresh.session_id == session.id
    assert refresh.subject == result.user.id
    assert refresh.token_id == session.current_token_id
    assert result.tokens.refresh_expires_at == session.idle_expires_at
    access = world.codec.decode(result.tokens.access_token, TokenType.ACCESS)
    assert access.subject == result.user.id
    assert access.session_id == session.id
    assert result.tokens.access_expires_at == NOW + world.policy.access_ttl


async def test_registering_commits_once() -> None:
    world = a_world()
    await world.sign_up()
    assert world.store.commits == 1


async def test_an_email_registered_in_other_case_is_refused_and_nothing_is_stored() -> None:
    world = a_world()
    first = await world.sign_up(email="ada@example.com")

    with pytest.raises(EmailAlreadyRegistered):
        await world.sign_up(email="ADA@Example.com", password="another long passphrase")

    assert list(world.store.users) == [first.user.id]
    assert len(world.store.sessions) == 1
    assert world.store.commits == 1


@pytest.mark.parametrize(
    "password", ["too short", "ada@example.com", "ADA@EXAMPLE.COM", "password12345678", "x" * 1025]
)
async def test_a_weak_password_is_refused_before_hashing_and_nothing_is_stored(
    password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = a_world()
    refuse_to_hash(world, monkeypatch)

    with pytest.raises(WeakPassword):
        await world.sign_up(email="ada@example.com", password=password)

    assert world.store.users == {}
    assert world.store.sessions == {}
    assert world.store.commits == 0


@pytest.mark.parametrize("email", ["", "ada", "ada@", "ada lovelace@example.com"])
async def test_a_bad_email_is_refused_before_hashing_and_nothing_is_stored(
    email: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = a_world()
    refuse_to_hash(world, monkeypatch)

    with pytest.raises(InvalidEmail):
        await world.register.execute(RegisterCommand(email=email, password=PASSWORD))

    assert world.store.users == {}
    assert world.store.sessions == {}
    assert world.store.commits == 0


async def test_a_bad_email_is_reported_before_a_weak_password() -> None:
    world = a_world()
    with pytest.raises(InvalidEmail):
        await world.sign_up(email="nope", password="short")
