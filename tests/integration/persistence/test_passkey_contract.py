"""The contract of the passkey and passkey-ceremony repositories, run against the in-memory fakes
and SQLAlchemy on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import secrets
import uuid
from datetime import timedelta

import pytest

from domain.errors import PasskeyAlreadyRegistered
from domain.passkey import CEREMONY_TTL, CeremonyPurpose, Passkey, PasskeyCeremony
from domain.user import User
from tests.builders import NOW, a_user
from tests.integration.persistence.conftest import Backend

LATER = NOW + timedelta(minutes=3, microseconds=123_456)


async def given_user(backend: Backend, email: str = "ada@example.com") -> User:
    user = a_user(email=email)
    async with backend.unit_of_work() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


def a_passkey(user: User, *, created_seconds: int = 0, sign_count: int = 0) -> Passkey:
    return Passkey(
        id=uuid.uuid4(),
        user_id=user.id,
        credential_id=secrets.token_bytes(32),
        public_key=secrets.token_bytes(77),
        sign_count=sign_count,
        name="Laptop",
        created_at=NOW + timedelta(seconds=created_seconds),
    )


async def given_passkey(backend: Backend, passkey: Passkey) -> Passkey:
    async with backend.unit_of_work() as uow:
        await uow.passkeys.add(passkey)
        await uow.commit()
    return passkey


def a_ceremony(
    purpose: CeremonyPurpose = CeremonyPurpose.SIGN_IN, user: User | None = None
) -> PasskeyCeremony:
    return PasskeyCeremony.begin(
        token=secrets.token_urlsafe(32),
        purpose=purpose,
        challenge=secrets.token_bytes(64),
        user_id=None if user is None else user.id,
        now=NOW,
    )


async def given_ceremony(backend: Backend, ceremony: PasskeyCeremony) -> PasskeyCeremony:
    async with backend.unit_of_work() as uow:
        await uow.passkey_ceremonies.add(ceremony)
        await uow.commit()
    return ceremony


# Passkeys


async def test_a_passkey_is_found_by_credential_id_as_stored(backend: Backend) -> None:
    user = await given_user(backend)
    passkey = await given_passkey(backend, a_passkey(user, sign_count=2**32 - 1))

    async with backend.unit_of_work() as uow:
        found = await uow.passkeys.get_by_credential_id(passkey.credential_id)
        unknown = await uow.passkeys.get_by_credential_id(secrets.token_bytes(32))

    assert found == passkey
    assert found is not None
    assert found.created_at.utcoffset() == timedelta(0)
    assert unknown is None


async def test_a_credential_id_is_registered_once_across_accounts(backend: Backend) -> None:
    ada = await given_user(backend)
    bob = await given_user(backend, "bob@example.com")
    first = await given_passkey(backend, a_passkey(ada))
    again = a_passkey(bob)
    again.credential_id = first.credential_id

    other = a_passkey(bob)

    async with backend.unit_of_work() as uow:
        with pytest.raises(PasskeyAlreadyRegistered):
            await uow.passkeys.add(again)
        await uow.passkeys.add(other)  # the unit of work is still usable
        await uow.commit()

    async with backend.unit_of_work() as uow:
        assert await uow.passkeys.list_for_user(bob.id) == [other]


async def test_a_passkey_of_an_unknown_user_is_refused(backend: Backend) -> None:
    async with backend.unit_of_work() as uow:
        with pytest.raises(backend.missing_user_error):
            await uow.passkeys.add(a_passkey(a_user()))


async def test_a_users_passkeys_are_listed_newest_first(backend: Backend) -> None:
    ada = await given_user(backend)
    bob = await given_user(backend, "bob@example.com")
    old = await given_passkey(backend, a_passkey(ada, created_seconds=0))
    new = await given_passkey(backend, a_passkey(ada, created_seconds=5))
    await given_passkey(backend, a_passkey(bob))

    async with backend.unit_of_work() as uow:
        assert await uow.passkeys.list_for_user(ada.id) == [new, old]


async def test_a_use_is_stored_only_over_the_counter_it_read(backend: Backend) -> None:
    user = await given_user(backend)
    passkey = await given_passkey(backend, a_passkey(user, sign_count=4))
    first, second = copy.deepcopy(passkey), copy.deepcopy(passkey)
    first.record_use(5, LATER)
    second.record_use(6, LATER)

    async with backend.unit_of_work() as uow:
        assert await uow.passkeys.save_use(first, read_sign_count=4) is True
        assert await uow.passkeys.save_use(second, read_sign_count=4) is False
        await uow.commit()

    async with backend.unit_of_work() as uow:
        stored = await uow.passkeys.get_by_credential_id(passkey.credential_id)
    assert stored is not None
    assert (stored.sign_count, stored.last_used_at) == (5, LATER)


async def test_a_passkey_is_deleted_by_its_owner_only(backend: Backend) -> None:
    ada = await given_user(backend)
    bob = await given_user(backend, "bob@example.com")
    passkey = await given_passkey(backend, a_passkey(ada))

    async with backend.unit_of_work() as uow:
        assert await uow.passkeys.delete(bob.id, passkey.id) is False
        assert await uow.passkeys.delete(ada.id, uuid.uuid4()) is False
        assert await uow.passkeys.delete(ada.id, passkey.id) is True
        await uow.commit()

    async with backend.unit_of_work() as uow:
        assert await uow.passkeys.list_for_user(ada.id) == []


async def test_an_uncommitted_delete_keeps_the_passkey(backend: Backend) -> None:
    user = await given_user(backend)
    passkey = await given_passkey(backend, a_passkey(user))

    async with backend.unit_of_work() as uow:
        assert await uow.passkeys.delete(user.id, passkey.id) is True

    async with backend.unit_of_work() as uow:
        assert await uow.passkeys.list_for_user(user.id) == [passkey]


async def test_deleting_a_user_takes_their_passkeys_and_ceremonies(backend: Backend) -> None:
    ada = await given_user(backend)
    bob = await given_user(backend, "bob@example.com")
    mine = await given_passkey(backend, a_passkey(ada))
    theirs = await given_passkey(backend, a_passkey(bob))
    ceremony = await given_ceremony(backend, a_ceremony(CeremonyPurpose.REGISTER, ada))

    async with backend.unit_of_work() as uow:
        assert await uow.users.delete(ada.id) is True
        await uow.commit()

    async with backend.unit_of_work() as uow:
        assert await uow.passkeys.get_by_credential_id(mine.credential_id) is None
        assert await uow.passkeys.get_by_credential_id(theirs.credential_id) == theirs
        assert await uow.passkey_ceremonies.take(ceremony.token_hash, ceremony.purpose) is None


# Ceremonies


async def test_a_ceremony_is_taken_once_and_whole(backend: Backend) -> None:
    user = await given_user(backend)
    ceremony = await given_ceremony(backend, a_ceremony(CeremonyPurpose.REGISTER, user))

    async with backend.unit_of_work() as uow:
        taken = await uow.passkey_ceremonies.take(ceremony.token_hash, CeremonyPurpose.REGISTER)
        again = await uow.passkey_ceremonies.take(ceremony.token_hash, CeremonyPurpose.REGISTER)
        await uow.commit()

    assert taken == ceremony
    assert taken is not None
    assert taken.expires_at == NOW + CEREMONY_TTL
    assert taken.expires_at.utcoffset() == timedelta(0)
    assert again is None
    async with backend.unit_of_work() as uow:
        assert await uow.passkey_ceremonies.take(ceremony.token_hash, ceremony.purpose) is None


async def test_a_ceremony_is_not_taken_for_another_purpose(backend: Backend) -> None:
    ceremony = await given_ceremony(backend, a_ceremony(CeremonyPurpose.SIGN_IN))

    async with backend.unit_of_work() as uow:
        other_purpose = await uow.passkey_ceremonies.take(
            ceremony.token_hash, CeremonyPurpose.REGISTER
        )
        own_purpose = await uow.passkey_ceremonies.take(ceremony.token_hash, ceremony.purpose)

    assert (other_purpose, own_purpose) == (None, ceremony)


async def test_an_uncommitted_take_leaves_the_ceremony(backend: Backend) -> None:
    ceremony = await given_ceremony(backend, a_ceremony())

    async with backend.unit_of_work() as uow:
        assert await uow.passkey_ceremonies.take(ceremony.token_hash, ceremony.purpose) is not None

    async with backend.unit_of_work() as uow:
        assert await uow.passkey_ceremonies.take(ceremony.token_hash, ceremony.purpose) == ceremony


async def test_pruning_removes_expired_ceremonies_only_a_batch_at_a_time(
    backend: Backend,
) -> None:
    expired = [await given_ceremony(backend, a_ceremony()) for _ in range(3)]
    fresh = a_ceremony()
    fresh.expires_at = NOW + CEREMONY_TTL * 2
    await given_ceremony(backend, fresh)

    async with backend.unit_of_work() as uow:
        assert await uow.passkey_ceremonies.prune(NOW + CEREMONY_TTL, limit=2) == 2
        assert await uow.passkey_ceremonies.prune(NOW + CEREMONY_TTL, limit=2) == 1
        await uow.commit()

    async with backend.unit_of_work() as uow:
        for ceremony in expired:
            assert await uow.passkey_ceremonies.take(ceremony.token_hash, ceremony.purpose) is None
        assert await uow.passkey_ceremonies.take(fresh.token_hash, fresh.purpose) == fresh
