"""One contract for the repository ports and the unit of work, run against every backend:
the in-memory fake the use-case tests rely on, and SQLAlchemy on SQLite and on PostgreSQL.
If the fake disagrees with the real adapters here, the fake is what gets fixed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

import pytest

from domain.auth_methods import PASSKEY, PASSWORD_AND_CODE, PASSWORD_ONLY, AuthMethods
from domain.email import Email
from domain.errors import EmailAlreadyRegistered
from domain.session import Session
from domain.user import User
from tests.builders import NOW, a_lifetime, a_session, a_user
from tests.integration.persistence.conftest import Backend

LATER = NOW + timedelta(minutes=3, microseconds=123_456)
MUCH_LATER = NOW + timedelta(hours=2, microseconds=654_321)


async def given_user(backend: Backend, user: User | None = None) -> User:
    user = a_user() if user is None else user
    async with backend.unit_of_work() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def given_session(backend: Backend, session: Session | None = None) -> Session:
    if session is None:
        user = await given_user(backend)
        session = a_session(user_id=user.id, user_agent="Firefox")
    async with backend.unit_of_work() as uow:
        await uow.sessions.add(session)
        await uow.commit()
    return session


async def load_user(backend: Backend, user: User) -> User | None:
    async with backend.unit_of_work() as uow:
        return await uow.users.get(user.id)


async def load_session(backend: Backend, session: Session) -> Session | None:
    async with backend.unit_of_work() as uow:
        return await uow.sessions.get(session.id)


def assert_utc(*moments: datetime | None) -> None:
    for moment in moments:
        assert moment is not None
        assert moment.utcoffset() == timedelta(0)


# Users


async def test_a_committed_user_is_found_by_id_and_by_email(backend: Backend) -> None:
    user = await given_user(backend, a_user(email="Ada@Example.com", created_at=LATER))

    async with backend.unit_of_work() as uow:
        by_id = await uow.users.get(user.id)
        by_email = await uow.users.get_by_email(Email.parse("ada@example.com"))

    assert by_id == user
    assert by_email == user
    assert by_id is not None
    assert by_id.email.value == "ada@example.com"
    assert_utc(by_id.created_at)


async def test_unknown_ids_and_emails_find_nothing(backend: Backend) -> None:
    await given_user(backend)

    async with backend.unit_of_work() as uow:
        assert await uow.users.get(a_user().id) is None
        assert await uow.users.get_by_email(Email.parse("nobody@example.com")) is None


async def test_users_are_found_by_many_emails_in_one_read(backend: Backend) -> None:
    ada = await given_user(backend, a_user(email="ada@example.com"))
    bob = await given_user(backend, a_user(email="bob@example.com"))
    await given_user(backend, a_user(email="cy@example.com"))
    wanted = [Email.parse(raw) for raw in ("Bob@Example.com", "ada@example.com", "no@example.com")]

    async with backend.unit_of_work() as uow:
        found = await uow.users.get_by_emails(wanted)
        nothing = await uow.users.get_by_emails([])

    assert sorted(found, key=lambda user: user.email.value) == [ada, bob]
    assert nothing == []


async def test_saving_a_password_hash_stores_that_and_nothing_else(backend: Backend) -> None:
    user = await given_user(backend)

    user.change_password_hash("a-new-hash")
    user.is_active = False  # changed in memory only: saving the hash must not store it
    async with backend.unit_of_work() as uow:
        await uow.users.save_password_hash(user)
        await uow.commit()

    stored = await load_user(backend, user)
    assert stored is not None
    assert stored.password_hash == "a-new-hash"
    assert stored.is_active is True
    assert stored.credentials_version == 1


async def test_a_password_change_counts_up_from_the_stored_version(backend: Backend) -> None:
    user = await given_user(backend, a_user(credentials_version=5))
    one, two = a_user(id=user.id), a_user(id=user.id)  # both read before either saved
    one.change_password_hash("one")
    two.change_password_hash("two")

    async with backend.unit_of_work() as uow:
        await uow.users.save_password_hash(one)
        await uow.users.save_password_hash(two)
        await uow.commit()

    stored = await load_user(backend, user)
    assert stored is not None
    assert (stored.password_hash, stored.credentials_version) == ("two", 7)


async def test_an_upgraded_hash_is_stored_while_the_version_is_the_one_read(
    backend: Backend,
) -> None:
    user = await given_user(backend, a_user(credentials_version=2))
    user.upgrade_password_hash("rehashed")

    async with backend.unit_of_work() as uow:
        await uow.users.save_upgraded_password_hash(user)
        await uow.commit()

    stored = await load_user(backend, user)
    assert stored is not None
    assert (stored.password_hash, stored.credentials_version) == ("rehashed", 2)


async def test_an_upgraded_hash_never_overwrites_a_credential_change(backend: Backend) -> None:
    user = await given_user(backend)
    changed = a_user(id=user.id)
    changed.change_password_hash("the new password")
    async with backend.unit_of_work() as uow:
        await uow.users.save_password_hash(changed)
        await uow.commit()
    user.upgrade_password_hash("the old password, rehashed")

    async with backend.unit_of_work() as uow:
        await uow.users.save_upgraded_password_hash(user)
        await uow.commit()

    stored = await load_user(backend, user)
    assert stored is not None
    assert (stored.password_hash, stored.credentials_version) == ("the new password", 1)


async def test_a_credentials_change_counts_one_up_from_the_stored_version_and_stores_nothing_else(
    backend: Backend,
) -> None:
    user = await given_user(backend, a_user(credentials_version=5))
    stale = a_user(id=user.id, credentials_version=2, is_active=False)  # read long ago
    stale.password_hash = "not to be stored"

    async with backend.unit_of_work() as uow:
        await uow.users.save_credentials_change(stale)
        await uow.commit()

    stored = await load_user(backend, user)
    assert stored is not None
    assert stored.credentials_version == 6
    assert (stored.password_hash, stored.is_active) == (user.password_hash, True)


async def test_updating_an_unknown_user_stores_nothing(backend: Backend) -> None:
    stranger = a_user()

    async with backend.unit_of_work() as uow:
        await uow.users.save_password_hash(stranger)
        await uow.users.save_credentials_change(stranger)
        await uow.commit()

    assert await load_user(backend, stranger) is None


async def test_an_email_taken_in_another_case_is_refused_and_stores_nothing(
    backend: Backend,
) -> None:
    await given_user(backend, a_user(email="ada@example.com"))
    duplicate = a_user(email="ADA@Example.COM")
    other = a_user(email="grace@example.com")

    async with backend.unit_of_work() as uow:
        with pytest.raises(EmailAlreadyRegistered):
            await uow.users.add(duplicate)
        # The unit of work goes on after the refusal, on every backend.
        await uow.users.add(other)
        await uow.commit()

    assert await load_user(backend, duplicate) is None
    assert await load_user(backend, other) == other


async def test_the_same_email_twice_in_one_unit_of_work_is_refused(backend: Backend) -> None:
    first, second = a_user(email="ada@example.com"), a_user(email="Ada@example.com")

    async with backend.unit_of_work() as uow:
        await uow.users.add(first)
        with pytest.raises(EmailAlreadyRegistered):
            await uow.users.add(second)
        await uow.commit()

    assert await load_user(backend, first) == first
    assert await load_user(backend, second) is None


# The unit of work


async def test_leaving_without_commit_stores_nothing(backend: Backend) -> None:
    user = a_user()

    async with backend.unit_of_work() as uow:
        await uow.users.add(user)
        await uow.sessions.add(a_session(user_id=user.id))

    assert await load_user(backend, user) is None


async def test_an_error_inside_undoes_the_writes_and_propagates(backend: Backend) -> None:
    user = a_user()

    async def add_then_fail() -> None:
        async with backend.unit_of_work() as uow:
            await uow.users.add(user)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await add_then_fail()

    assert await load_user(backend, user) is None


async def test_a_unit_of_work_reads_its_own_writes(backend: Backend) -> None:
    user = a_user()
    session = a_session(user_id=user.id)

    async with backend.unit_of_work() as uow:
        await uow.users.add(user)
        await uow.sessions.add(session)
        assert await uow.users.get(user.id) == user
        assert await uow.users.get_by_email(user.email) == user
        assert await uow.sessions.get(session.id) == session
        assert await uow.sessions.get_with_owner(session.id) == (session, user)


async def test_a_commit_makes_the_writes_visible_to_other_units_of_work(
    backend: Backend,
) -> None:
    user = a_user()
    session = a_session(user_id=user.id)

    async with backend.unit_of_work() as uow:
        await uow.users.add(user)
        await uow.sessions.add(session)
        await uow.commit()

    assert await load_user(backend, user) == user
    assert await load_session(backend, session) == session


# Sessions


async def test_a_session_keeps_every_field_with_timestamps_in_utc(backend: Backend) -> None:
    user = await given_user(backend)
    session = a_session(user_id=user.id, now=LATER, user_agent="x" * 512, credentials_version=4)
    session.rotate("jti-second", MUCH_LATER, a_lifetime())
    session.revoke(MUCH_LATER + timedelta(seconds=1))

    await given_session(backend, session)
    loaded = await load_session(backend, session)

    assert loaded == session
    assert loaded is not None
    assert_utc(
        loaded.created_at,
        loaded.last_used_at,
        loaded.expires_at,
        loaded.idle_expires_at,
        loaded.rotated_at,
        loaded.revoked_at,
    )


@pytest.mark.parametrize("amr", [PASSWORD_ONLY, PASSWORD_AND_CODE, PASSKEY], ids=" ".join)
async def test_a_session_keeps_how_it_signed_in(backend: Backend, amr: AuthMethods) -> None:
    user = await given_user(backend)
    session = await given_session(backend, a_session(user_id=user.id, amr=amr))

    loaded = await load_session(backend, session)
    async with backend.unit_of_work() as uow:
        [listed] = await uow.sessions.list_live(user.id, NOW)

    assert loaded is not None
    assert loaded.amr == listed.amr == amr


async def test_a_fresh_session_keeps_its_empty_fields_empty(backend: Backend) -> None:
    user = await given_user(backend)
    session = await given_session(backend, a_session(user_id=user.id, user_agent=None))

    loaded = await load_session(backend, session)

    assert loaded == session
    assert loaded is not None
    assert (loaded.previous_token_id, loaded.rotated_at, loaded.revoked_at) == (None, None, None)
    assert loaded.user_agent is None


async def test_a_session_is_read_with_its_owner(backend: Backend) -> None:
    owner = await given_user(
        backend, a_user(email="owner@example.com", created_at=LATER, credentials_version=3)
    )
    other = await given_user(backend)
    session = a_session(
        user_id=owner.id, now=LATER, user_agent="Firefox", credentials_version=2, amr=PASSKEY
    )
    session.rotate("jti-second", MUCH_LATER, a_lifetime())
    await given_session(backend, session)
    await given_session(backend, a_session(user_id=other.id))

    async with backend.unit_of_work(read_only=True) as uow:
        found = await uow.sessions.get_with_owner(session.id)
        missing = await uow.sessions.get_with_owner(a_session().id)

    assert found == (session, owner)
    assert found is not None
    loaded_session, loaded_owner = found
    assert loaded_owner.email.value == "owner@example.com"
    assert_utc(loaded_session.rotated_at, loaded_session.expires_at, loaded_owner.created_at)
    assert missing is None


async def test_a_session_is_read_with_its_owner_disabled_or_not(backend: Backend) -> None:
    owner = await given_user(backend, a_user(is_active=False))
    session = await given_session(backend, a_session(user_id=owner.id))

    async with backend.unit_of_work(read_only=True) as uow:
        found = await uow.sessions.get_with_owner(session.id)

    assert found is not None
    assert found[1].is_active is False


async def test_a_session_of_an_unknown_user_is_refused(backend: Backend) -> None:
    orphan = a_session(user_id=a_user().id)

    async with backend.unit_of_work() as uow:
        with pytest.raises(backend.missing_user_error):
            await uow.sessions.add(orphan)

    assert await load_session(backend, orphan) is None


async def test_a_rotation_is_stored_once_for_the_same_expected_token(backend: Backend) -> None:
    session = await given_session(backend)
    first, second = await load_session(backend, session), await load_session(backend, session)
    assert first is not None
    assert second is not None

    first.rotate("jti-first-winner", LATER, a_lifetime())
    second.rotate("jti-second-loser", LATER, a_lifetime())
    async with backend.unit_of_work() as uow:
        assert await uow.sessions.save_rotation(first, session.current_token_id) is True
        await uow.commit()
    async with backend.unit_of_work() as uow:
        assert await uow.sessions.save_rotation(second, session.current_token_id) is False
        await uow.commit()

    assert await load_session(backend, session) == first


async def test_a_unit_of_work_that_commits_twice_stores_each_write_and_keeps_the_swap(
    backend: Backend,
) -> None:
    session = await given_session(backend)
    expected = session.current_token_id
    copy_a, copy_b = await load_session(backend, session), await load_session(backend, session)
    assert copy_a is not None
    assert copy_b is not None
    copy_a.rotate("jti-a", LATER, a_lifetime())
    copy_b.rotate("jti-b", LATER, a_lifetime())

    async with backend.unit_of_work() as uow:
        assert (await uow.sessions.get_with_owner(session.id)) is not None
        assert await uow.sessions.save_rotation(copy_a, expected) is True
        await uow.commit()
        assert await uow.sessions.save_rotation(copy_b, expected) is False
        copy_a.revoke(LATER)
        await uow.sessions.save_revocation(copy_a)
        await uow.commit()

    assert await load_session(backend, session) == copy_a


async def test_a_second_rotation_in_the_same_unit_of_work_sees_the_first(
    backend: Backend,
) -> None:
    session = await given_session(backend)
    expected = session.current_token_id
    copy_a, copy_b = await load_session(backend, session), await load_session(backend, session)
    assert copy_a is not None
    assert copy_b is not None
    copy_a.rotate("jti-a", LATER, a_lifetime())
    copy_b.rotate("jti-b", LATER, a_lifetime())

    async with backend.unit_of_work() as uow:
        assert await uow.sessions.save_rotation(copy_a, expected) is True
        assert await uow.sessions.save_rotation(copy_b, expected) is False
        await uow.commit()

    assert await load_session(backend, session) == copy_a


async def test_a_rotation_keeps_the_absolute_expiry_and_the_user_agent(backend: Backend) -> None:
    session = await given_session(backend)
    rotated = await load_session(backend, session)
    assert rotated is not None
    rotated.rotate("jti-next", LATER, a_lifetime())
    rotated.expires_at += timedelta(days=365)  # a bug a rotation must not be able to store
    rotated.user_agent = "something else"

    async with backend.unit_of_work() as uow:
        assert await uow.sessions.save_rotation(rotated, session.current_token_id) is True
        await uow.commit()

    loaded = await load_session(backend, session)
    assert loaded is not None
    assert loaded.current_token_id == "jti-next"
    assert (loaded.expires_at, loaded.user_agent) == (session.expires_at, session.user_agent)


async def test_a_revoked_session_cannot_be_rotated(backend: Backend) -> None:
    session = await given_session(backend)
    stale = await load_session(backend, session)
    assert stale is not None
    session.revoke(LATER)
    async with backend.unit_of_work() as uow:
        await uow.sessions.save_revocation(session)
        await uow.commit()

    stale.rotate("jti-after-revocation", LATER, a_lifetime())
    async with backend.unit_of_work() as uow:
        assert await uow.sessions.save_rotation(stale, "jti-first") is False
        await uow.commit()

    assert await load_session(backend, session) == session


async def test_rotating_an_unknown_session_stores_nothing(backend: Backend) -> None:
    user = await given_user(backend)
    unknown = a_session(user_id=user.id)
    unknown.rotate("jti-next", LATER, a_lifetime())

    async with backend.unit_of_work() as uow:
        assert await uow.sessions.save_rotation(unknown, "jti-first") is False
        await uow.commit()

    assert await load_session(backend, unknown) is None


async def test_a_revocation_is_stored(backend: Backend) -> None:
    session = await given_session(backend)

    session.revoke(LATER)
    async with backend.unit_of_work() as uow:
        await uow.sessions.save_revocation(session)
        await uow.commit()

    loaded = await load_session(backend, session)
    assert loaded is not None
    assert loaded.revoked_at == LATER
    assert loaded == session


async def test_a_late_revocation_keeps_a_rotation_committed_meanwhile(backend: Backend) -> None:
    session = await given_session(backend)
    stale = await load_session(backend, session)
    assert stale is not None
    session.rotate("jti-rotated", LATER, a_lifetime())
    async with backend.unit_of_work() as uow:
        assert await uow.sessions.save_rotation(session, "jti-first") is True
        await uow.commit()

    stale.revoke(MUCH_LATER)
    async with backend.unit_of_work() as uow:
        await uow.sessions.save_revocation(stale)
        await uow.commit()

    loaded = await load_session(backend, session)
    assert loaded is not None
    assert loaded.revoked_at == MUCH_LATER
    assert (loaded.current_token_id, loaded.previous_token_id) == ("jti-rotated", "jti-first")


async def test_the_first_revocation_wins(backend: Backend) -> None:
    session = await given_session(backend)
    first, second = await load_session(backend, session), await load_session(backend, session)
    assert first is not None
    assert second is not None

    for copy, moment in ((first, LATER), (second, MUCH_LATER)):
        copy.revoke(moment)
        async with backend.unit_of_work() as uow:
            await uow.sessions.save_revocation(copy)
            await uow.commit()

    loaded = await load_session(backend, session)
    assert loaded is not None
    assert loaded.revoked_at == LATER


# Account activity


async def test_saving_is_active_stores_that_and_nothing_else(backend: Backend) -> None:
    user = await given_user(backend)

    user.disable()
    user.change_password_hash("changed in memory only")
    async with backend.unit_of_work() as uow:
        await uow.users.save_active(user)
        await uow.commit()

    stored = await load_user(backend, user)
    assert stored is not None
    assert stored.is_active is False
    assert stored.password_hash == a_user().password_hash
    assert stored.credentials_version == 1


async def test_saving_the_stored_activity_again_counts_no_credential_change(
    backend: Backend,
) -> None:
    user = await given_user(backend, a_user(is_active=False, credentials_version=3))

    async with backend.unit_of_work() as uow:
        await uow.users.save_active(user)
        user.enable()
        await uow.users.save_active(user)
        await uow.users.save_active(user)
        await uow.commit()

    stored = await load_user(backend, user)
    assert stored is not None
    assert (stored.is_active, stored.credentials_version) == (True, 4)


async def test_saving_is_active_of_an_unknown_user_stores_nothing(backend: Backend) -> None:
    stranger = a_user(is_active=False)

    async with backend.unit_of_work() as uow:
        await uow.users.save_active(stranger)
        await uow.commit()

    assert await load_user(backend, stranger) is None


# Many sessions of a user: listing, revoking all, pruning

DAY = timedelta(days=1)
SHORT = a_lifetime(idle=timedelta(hours=1), absolute=timedelta(hours=2))


async def given_sessions(backend: Backend, *sessions: Session) -> None:
    async with backend.unit_of_work() as uow:
        for session in sessions:
            await uow.sessions.add(session)
        await uow.commit()


def revoked(session: Session, at: datetime) -> Session:
    session.revoke(at)
    return session


async def test_the_live_sessions_of_a_user_come_newest_first(backend: Backend) -> None:
    user = await given_user(backend)
    oldest = a_session(user_id=user.id, now=NOW - 3 * DAY, user_agent="old laptop")
    newest = a_session(user_id=user.id, now=NOW - DAY)
    middle = a_session(user_id=user.id, now=NOW - 2 * DAY)
    await given_sessions(backend, oldest, newest, middle)

    async with backend.unit_of_work() as uow:
        live = await uow.sessions.list_live(user.id, NOW)

    assert live == [newest, middle, oldest]
    assert_utc(*(s.idle_expires_at for s in live))


async def test_sessions_started_in_the_same_second_come_in_the_same_order_everywhere(
    backend: Backend,
) -> None:
    user = await given_user(backend)
    same_second = [
        a_session(id=UUID(int=n), user_id=user.id, now=NOW) for n in (0x5, 0xA0, 0x1F, 0xFF00)
    ]
    await given_sessions(backend, *same_second)

    async with backend.unit_of_work() as uow:
        live = await uow.sessions.list_live(user.id, NOW)

    assert [s.id.int for s in live] == [0xFF00, 0xA0, 0x1F, 0x5]


async def test_revoked_expired_and_other_users_sessions_are_not_live(backend: Backend) -> None:
    user, other = await given_user(backend), await given_user(backend, a_user(email="b@ex.com"))
    live = a_session(user_id=user.id, now=NOW - DAY)
    idle_ended = a_session(user_id=user.id, now=NOW - timedelta(hours=1), lifetime=SHORT)
    long_idle = a_lifetime(idle=10 * DAY, absolute=timedelta(hours=2))
    absolute_ended = a_session(user_id=user.id, now=NOW - timedelta(hours=3), lifetime=long_idle)
    was_revoked = revoked(a_session(user_id=user.id, now=NOW - DAY), NOW - DAY)
    someone_elses = a_session(user_id=other.id, now=NOW)
    await given_sessions(backend, live, idle_ended, absolute_ended, was_revoked, someone_elses)

    async with backend.unit_of_work() as uow:
        assert await uow.sessions.list_live(user.id, NOW) == [live]
        assert await uow.sessions.list_live(a_user().id, NOW) == []


async def test_counting_live_sessions_counts_those_of_the_owners_current_credentials(
    backend: Backend,
) -> None:
    user = await given_user(backend, a_user(credentials_version=2))
    other = await given_user(backend, a_user(email="b@ex.com"))
    of_user = partial(a_session, user_id=user.id, credentials_version=2)
    current = [of_user(now=NOW - DAY), of_user(now=NOW - 2 * DAY)]
    overtaken = a_session(user_id=user.id, now=NOW - DAY, credentials_version=1)
    idle_ended = of_user(now=NOW - timedelta(hours=1), lifetime=SHORT)
    was_revoked = revoked(of_user(now=NOW - DAY), NOW - DAY)
    someone_elses = a_session(user_id=other.id, now=NOW)
    await given_sessions(backend, *current, overtaken, idle_ended, was_revoked, someone_elses)

    async with backend.unit_of_work(read_only=True) as uow:
        assert await uow.sessions.count_live(user, NOW) == 2
        assert await uow.sessions.count_live(other, NOW) == 1
        assert await uow.sessions.count_live(a_user(), NOW) == 0


async def test_a_unit_of_work_lists_its_own_revocations(backend: Backend) -> None:
    session = await given_session(backend)

    session.revoke(LATER)
    async with backend.unit_of_work() as uow:
        await uow.sessions.save_revocation(session)
        assert await uow.sessions.list_live(session.user_id, LATER) == []


async def test_revoking_all_revokes_the_live_sessions_of_that_user_only(
    backend: Backend,
) -> None:
    user, other = await given_user(backend), await given_user(backend, a_user(email="b@ex.com"))
    phone, laptop = a_session(user_id=user.id), a_session(user_id=user.id, now=NOW + DAY)
    phone.rotate("jti-phone-2", LATER, a_lifetime())
    earlier = revoked(a_session(user_id=user.id), LATER)
    dead = a_session(user_id=user.id, now=NOW - DAY, lifetime=SHORT)
    someone_elses = a_session(user_id=other.id)
    await given_sessions(backend, phone, laptop, earlier, dead, someone_elses)

    async with backend.unit_of_work() as uow:
        assert await uow.sessions.revoke_all(user.id, MUCH_LATER + DAY) == 2
        await uow.commit()

    for session in (phone, laptop):
        loaded = await load_session(backend, session)
        assert loaded is not None
        assert loaded.revoked_at == MUCH_LATER + DAY
        assert loaded.current_token_id == session.current_token_id
    assert await load_session(backend, earlier) == earlier  # the first revocation stays
    assert await load_session(backend, dead) == dead
    assert await load_session(backend, someone_elses) == someone_elses


async def test_revoking_all_without_commit_revokes_nothing(backend: Backend) -> None:
    session = await given_session(backend)

    async with backend.unit_of_work() as uow:
        assert await uow.sessions.revoke_all(session.user_id, LATER) == 1
        assert await uow.sessions.list_live(session.user_id, LATER) == []

    assert await load_session(backend, session) == session


async def test_pruning_deletes_sessions_dead_before_the_cutoff_and_keeps_the_rest(
    backend: Backend,
) -> None:
    user = await given_user(backend)
    cutoff = NOW
    expired_long_ago = a_session(user_id=user.id, now=cutoff - 3 * DAY, lifetime=SHORT)
    revoked_long_ago = revoked(a_session(user_id=user.id, now=cutoff - DAY), cutoff - DAY)
    expired_at_the_cutoff = a_session(user_id=user.id, now=cutoff - SHORT.idle, lifetime=SHORT)
    revoked_at_the_cutoff = revoked(a_session(user_id=user.id, now=cutoff - DAY), cutoff)
    expired_lately = a_session(user_id=user.id, now=cutoff - timedelta(minutes=30), lifetime=SHORT)
    revoked_lately = revoked(a_session(user_id=user.id), cutoff + timedelta(seconds=1))
    live = a_session(user_id=user.id, now=cutoff)
    kept = [expired_at_the_cutoff, revoked_at_the_cutoff, expired_lately, revoked_lately, live]
    await given_sessions(backend, expired_long_ago, revoked_long_ago, *kept)

    async with backend.unit_of_work() as uow:
        assert await uow.sessions.prune(cutoff) == 2
        await uow.commit()

    assert await load_session(backend, expired_long_ago) is None
    assert await load_session(backend, revoked_long_ago) is None
    for session in kept:
        assert await load_session(backend, session) == session


async def test_pruning_without_commit_deletes_nothing(backend: Backend) -> None:
    user = await given_user(backend)
    dead = a_session(user_id=user.id, now=NOW - DAY, lifetime=SHORT)
    await given_sessions(backend, dead)

    async with backend.unit_of_work() as uow:
        assert await uow.sessions.prune(NOW) == 1
        assert await uow.sessions.get(dead.id) is None

    assert await load_session(backend, dead) == dead


async def test_a_read_only_unit_of_work_reads_but_cannot_commit(backend: Backend) -> None:
    user = await given_user(backend)

    async with backend.unit_of_work(read_only=True) as uow:
        assert await uow.users.get(user.id) == user
        with pytest.raises(RuntimeError, match="read-only"):
            await uow.commit()
