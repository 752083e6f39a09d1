import pytest

from application.events import SecurityEventKind
from application.operator.create_user import CreateUserCommand
from domain.errors import EmailAlreadyRegistered, InvalidEmail, WeakPassword
from tests.builders import NOW, PASSWORD, a_world


async def test_an_operator_creates_an_account_that_can_sign_in() -> None:
    world = a_world()

    user = await world.create_user.execute(CreateUserCommand(" Grace@Example.com ", PASSWORD))

    stored = world.store.users[user.id]
    assert stored.email.value == "grace@example.com"
    assert stored.is_active
    assert stored.created_at == NOW
    assert world.store.sessions == {}  # nobody is signed in by it
    await world.sign_in(email="grace@example.com", password=PASSWORD)


async def test_creating_is_reported_as_a_registration_by_an_operator() -> None:
    world = a_world()

    user = await world.create_user.execute(CreateUserCommand("grace@example.com", PASSWORD))

    [event] = world.events.events
    assert (event.kind, event.user_id, event.session_id, event.reason) == (
        SecurityEventKind.REGISTERED,
        user.id,
        None,
        "operator",
    )


@pytest.mark.parametrize("weak", ["too short", "password12345678", "grace@example.com"])
async def test_the_password_policy_applies(weak: str) -> None:
    world = a_world()

    with pytest.raises(WeakPassword):
        await world.create_user.execute(CreateUserCommand("grace@example.com", weak))

    assert world.store.users == {}


async def test_a_taken_email_is_refused() -> None:
    world = a_world()
    await world.given_user(email="grace@example.com")

    with pytest.raises(EmailAlreadyRegistered):
        await world.create_user.execute(CreateUserCommand("GRACE@example.com", PASSWORD))

    assert len(world.store.users) == 1


async def test_an_invalid_email_is_refused() -> None:
    world = a_world()

    with pytest.raises(InvalidEmail):
        await world.create_user.execute(CreateUserCommand("not an email", PASSWORD))
