"""The ProfileRepository contract, on the fake and on SQLAlchemy over SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from domain.profile import Profile
from tests.builders import a_user
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.test_repository_contract import given_user


async def saved(backend: Backend, profile: Profile) -> None:
    async with backend.unit_of_work() as uow:
        await uow.profiles.save(profile)
        await uow.commit()


async def test_a_saved_profile_is_found_by_its_users_id(backend: Backend) -> None:
    user = await given_user(backend)
    await saved(backend, Profile(user.id, "Ada Lovelace"))

    async with backend.unit_of_work(read_only=True) as uow:
        assert await uow.profiles.get(user.id) == Profile(user.id, "Ada Lovelace")
        assert await uow.profiles.get(a_user().id) is None


async def test_saving_again_replaces_the_profile(backend: Backend) -> None:
    user = await given_user(backend)
    await saved(backend, Profile(user.id, "Ada"))
    await saved(backend, Profile(user.id, "Countess of Lovelace"))

    async with backend.unit_of_work(read_only=True) as uow:
        assert await uow.profiles.get(user.id) == Profile(user.id, "Countess of Lovelace")


async def test_a_profile_not_committed_is_not_kept(backend: Backend) -> None:
    user = await given_user(backend)
    async with backend.unit_of_work() as uow:
        await uow.profiles.save(Profile(user.id, "Ada"))

    async with backend.unit_of_work(read_only=True) as uow:
        assert await uow.profiles.get(user.id) is None


async def test_a_profile_needs_its_user_and_goes_with_it(backend: Backend) -> None:
    with pytest.raises(backend.missing_user_error):
        await saved(backend, Profile(a_user().id, "Nobody"))

    user = await given_user(backend)
    await saved(backend, Profile(user.id, "Ada"))
    async with backend.unit_of_work() as uow:
        await uow.users.delete(user.id)
        await uow.commit()

    async with backend.unit_of_work(read_only=True) as uow:
        assert await uow.profiles.get(user.id) is None
