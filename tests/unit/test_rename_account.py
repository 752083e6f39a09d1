import pytest

from application.rename_account import RenameAccountCommand
from domain.errors import AccountNotFound, InvalidValue
from domain.profile import Profile
from tests.builders import a_world


async def test_renaming_stores_the_trimmed_name_for_the_account() -> None:
    world = a_world()
    user = await world.given_user(email="ada@example.com")

    profile = await world.rename_account.execute(
        RenameAccountCommand("Ada@Example.com", "  Ada   Lovelace ")
    )

    assert profile == Profile(user.id, "Ada Lovelace")
    assert world.store.profiles == {user.id: profile}


async def test_an_unknown_email_or_an_empty_name_changes_nothing() -> None:
    world = a_world()
    await world.given_user(email="ada@example.com")

    with pytest.raises(AccountNotFound):
        await world.rename_account.execute(RenameAccountCommand("bob@example.com", "Bob"))
    with pytest.raises(InvalidValue):
        await world.rename_account.execute(RenameAccountCommand("ada@example.com", "   "))

    assert world.store.profiles == {}
