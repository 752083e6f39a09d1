"""The contract of the one-time link and outbox repositories (and the users' new writes), run
against the in-memory fakes and SQLAlchemy on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from uuid import UUID

import pytest

from application.link_ports import ResetHistory, ResetRequest
from application.mail_ports import MailMessage, OutboxEntry
from domain.one_time_link import LinkPurpose, OneTimeLink
from domain.user import User
from tests.builders import NOW, a_session, a_user, an_email
from tests.integration.persistence.conftest import Backend

TTL = timedelta(minutes=30)
LEASE = timedelta(minutes=2)


async def given_user(backend: Backend, email: str = "ada@example.com") -> User:
    user = a_user(email=email)
    async with backend.unit_of_work() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


def a_link(
    user: User, purpose: LinkPurpose = LinkPurpose.RESET, ttl: timedelta = TTL
) -> tuple[OneTimeLink, str]:
    token = secrets.token_urlsafe(32)
    link = OneTimeLink.issue(
        id=uuid.uuid4(),
        user_id=user.id,
        email=user.email,
        purpose=purpose,
        token=token,
        now=NOW,
        ttl=ttl,
    )
    return link, link.token_hash


async def given_link(
    backend: Backend, user: User, purpose: LinkPurpose = LinkPurpose.RESET
) -> OneTimeLink:
    link, _ = a_link(user, purpose)
    async with backend.unit_of_work() as uow:
        await uow.links.add(link)
        await uow.commit()
    return link


def an_entry(user_id: UUID | None, *, due_in: timedelta = timedelta(0), n: int = 0) -> OutboxEntry:
    return OutboxEntry(
        id=uuid.uuid4(),
        message=MailMessage(an_email(), f"subject {n}", f"text {n}", f"<p>html {n}</p>"),
        created_at=NOW + timedelta(seconds=n),
        next_attempt_at=NOW + due_in,
        user_id=user_id,
    )


async def given_entries(backend: Backend, *entries: OutboxEntry) -> None:
    async with backend.unit_of_work() as uow:
        for entry in entries:
            await uow.outbox.enqueue(entry)
        await uow.commit()


async def claim(backend: Backend, now: datetime = NOW, limit: int = 10) -> list[OutboxEntry]:
    async with backend.unit_of_work() as uow:
        claimed = await uow.outbox.claim_due(now, limit, LEASE)
        await uow.commit()
    return claimed


# Users


async def test_email_verified_is_false_for_a_new_user_and_saved_alone(backend: Backend) -> None:
    user = await given_user(backend)
    async with backend.unit_of_work() as uow:
        stored = await uow.users.get(user.id)
    assert stored is not None
    assert stored.email_verified is False

    user.verify_email()
    user.change_password_hash("changed in memory only")
    async with backend.unit_of_work() as uow:
        await uow.users.save_email_verified(user)
        await uow.commit()
    async with backend.unit_of_work() as uow:
        stored = await uow.users.get(user.id)
    assert stored is not None
    assert stored.email_verified is True
    assert stored.password_hash != "changed in memory only"


async def test_deleting_a_user_takes_their_sessions_links_and_mail(backend: Backend) -> None:
    user = await given_user(backend)
    other = await given_user(backend, "bob@example.com")
    session = a_session(user_id=user.id)
    link = await given_link(backend, user)
    kept = await given_link(backend, other)
    await given_entries(backend, an_entry(user.id), an_entry(other.id, n=1))
    async with backend.unit_of_work() as uow:
        await uow.sessions.add(session)
        await uow.commit()

    async with backend.unit_of_work() as uow:
        assert await uow.users.delete(user.id) is True
        assert await uow.users.delete(uuid.uuid4()) is False
        await uow.commit()

    async with backend.unit_of_work() as uow:
        assert await uow.users.get(user.id) is None
        assert await uow.sessions.get(session.id) is None
        assert await uow.links.find_live(link.token_hash, LinkPurpose.RESET, NOW) is None
        assert await uow.links.find_live(kept.token_hash, LinkPurpose.RESET, NOW) is not None
        assert await uow.outbox.depth() == 1


async def test_an_uncommitted_delete_leaves_everything(backend: Backend) -> None:
    user = await given_user(backend)
    async with backend.unit_of_work() as uow:
        await uow.users.delete(user.id)
    async with backend.unit_of_work() as uow:
        assert await uow.users.get(user.id) == user


# Links


async def test_a_link_is_found_live_by_hash_and_purpose_only(backend: Backend) -> None:
    user = await given_user(backend)
    link = await given_link(backend, user)

    async with backend.unit_of_work() as uow:
        found = await uow.links.find_live(link.token_hash, LinkPurpose.RESET, NOW)
        other_purpose = await uow.links.find_live(link.token_hash, LinkPurpose.VERIFY, NOW)
        expired = await uow.links.find_live(link.token_hash, LinkPurpose.RESET, NOW + TTL)
        unknown = await uow.links.find_live("0" * 64, LinkPurpose.RESET, NOW)

    assert found == link
    assert found is not None
    assert found.expires_at.utcoffset() == timedelta(0)
    assert (other_purpose, expired, unknown) == (None, None, None)


async def test_a_link_of_an_unknown_user_is_refused(backend: Backend) -> None:
    link, _ = a_link(a_user())
    async with backend.unit_of_work() as uow:
        with pytest.raises(backend.missing_user_error):
            await uow.links.add(link)


async def test_consuming_a_link_returns_it_once(backend: Backend) -> None:
    user = await given_user(backend)
    link = await given_link(backend, user)
    later = NOW + timedelta(minutes=1)

    async with backend.unit_of_work() as uow:
        first = await uow.links.consume(link.token_hash, LinkPurpose.RESET, later)
        second = await uow.links.consume(link.token_hash, LinkPurpose.RESET, later)
        await uow.commit()
    async with backend.unit_of_work() as uow:
        third = await uow.links.consume(link.token_hash, LinkPurpose.RESET, later)

    assert first is not None
    assert first.id == link.id
    assert first.used_at == later
    assert (second, third) == (None, None)


async def test_an_expired_or_wrong_purpose_link_is_not_consumed(backend: Backend) -> None:
    user = await given_user(backend)
    link = await given_link(backend, user, LinkPurpose.VERIFY)

    async with backend.unit_of_work() as uow:
        assert await uow.links.consume(link.token_hash, LinkPurpose.RESET, NOW) is None
        assert await uow.links.consume(link.token_hash, LinkPurpose.VERIFY, NOW + TTL) is None
        assert await uow.links.consume(link.token_hash, LinkPurpose.VERIFY, NOW) is not None


async def test_an_uncommitted_consume_leaves_the_link_live(backend: Backend) -> None:
    user = await given_user(backend)
    link = await given_link(backend, user)

    async with backend.unit_of_work() as uow:
        assert await uow.links.consume(link.token_hash, LinkPurpose.RESET, NOW) is not None

    async with backend.unit_of_work() as uow:
        assert await uow.links.find_live(link.token_hash, LinkPurpose.RESET, NOW) is not None


async def test_killing_resets_spends_the_users_live_reset_links_only(backend: Backend) -> None:
    user = await given_user(backend)
    other = await given_user(backend, "bob@example.com")
    resets = [await given_link(backend, user) for _ in range(2)]
    verify = await given_link(backend, user, LinkPurpose.VERIFY)
    others = await given_link(backend, other)

    async with backend.unit_of_work() as uow:
        killed = await uow.links.kill_resets(user.id, NOW)
        await uow.commit()

    assert killed == 2
    async with backend.unit_of_work() as uow:
        for link in resets:
            assert await uow.links.find_live(link.token_hash, LinkPurpose.RESET, NOW) is None
        assert await uow.links.find_live(verify.token_hash, LinkPurpose.VERIFY, NOW) is not None
        assert await uow.links.find_live(others.token_hash, LinkPurpose.RESET, NOW) is not None


async def test_reset_history_counts_the_users_reset_links_since_and_sees_a_usable_one(
    backend: Backend,
) -> None:
    user = await given_user(backend)
    other = await given_user(backend, "bob@example.com")
    older, _ = a_link(user)
    older.created_at -= timedelta(hours=2)
    older.expires_at -= timedelta(hours=2)
    used = await given_link(backend, user)
    live = await given_link(backend, user)
    await given_link(backend, user, LinkPurpose.VERIFY)
    await given_link(backend, other)
    async with backend.unit_of_work() as uow:
        await uow.links.add(older)
        assert await uow.links.consume(used.token_hash, LinkPurpose.RESET, NOW) is not None
        await uow.commit()
    since = NOW - timedelta(hours=1)

    async with backend.unit_of_work() as uow:
        assert await uow.links.reset_history(user.id, since, NOW) == ResetHistory(2, True)
        assert await uow.links.consume(live.token_hash, LinkPurpose.RESET, NOW) is not None
        # Within the unit of work, its own writes count.
        assert await uow.links.reset_history(user.id, since, NOW) == ResetHistory(2, False)
        await uow.commit()
    async with backend.unit_of_work() as uow:
        later = NOW + timedelta(hours=1)
        assert await uow.links.reset_history(user.id, since, later) == ResetHistory(2, False)
        nobody = uuid.uuid4()
        assert await uow.links.reset_history(nobody, since, NOW) == ResetHistory(0, False)


async def test_deleting_a_users_links_keeps_the_others(backend: Backend) -> None:
    user = await given_user(backend)
    other = await given_user(backend, "bob@example.com")
    await given_link(backend, user)
    await given_link(backend, user, LinkPurpose.VERIFY)
    kept = await given_link(backend, other)

    async with backend.unit_of_work() as uow:
        assert await uow.links.delete_for_user(user.id) == 2
        await uow.commit()
    async with backend.unit_of_work() as uow:
        assert await uow.links.find_live(kept.token_hash, LinkPurpose.RESET, NOW) == kept


# Outbox


async def test_an_enqueued_message_is_claimed_whole_when_due(backend: Backend) -> None:
    user = await given_user(backend)
    entry = an_entry(user.id)
    later = an_entry(None, due_in=timedelta(minutes=5), n=1)
    await given_entries(backend, entry, later)

    [claimed] = await claim(backend)

    assert claimed.id == entry.id
    assert claimed.message == entry.message
    assert claimed.user_id == user.id
    assert claimed.attempts == 0


async def test_an_uncommitted_enqueue_sends_nothing(backend: Backend) -> None:
    async with backend.unit_of_work() as uow:
        await uow.outbox.enqueue(an_entry(None))

    assert await claim(backend) == []


async def test_claimed_messages_are_leased_and_claimed_oldest_first(backend: Backend) -> None:
    entries = [an_entry(None, n=n) for n in range(3)]
    await given_entries(backend, *reversed(entries))

    first = await claim(backend, limit=2)
    again = await claim(backend)
    after_lease = await claim(backend, NOW + LEASE)

    assert [e.id for e in first] == [entries[0].id, entries[1].id]
    assert [e.id for e in again] == [entries[2].id]
    assert {e.id for e in after_lease} == {e.id for e in entries}


async def test_a_message_is_marked_sent_once_and_leaves_the_queue(backend: Backend) -> None:
    entry = an_entry(None)
    await given_entries(backend, entry)

    async with backend.unit_of_work() as uow:
        assert await uow.outbox.mark_sent(entry.id, NOW) is True
        assert await uow.outbox.mark_sent(entry.id, NOW) is False
        await uow.commit()

    assert await claim(backend, NOW + LEASE) == []
    async with backend.unit_of_work() as uow:
        assert await uow.outbox.depth() == 0


async def test_a_failure_counts_a_try_and_puts_the_message_off(backend: Backend) -> None:
    entry = an_entry(None)
    await given_entries(backend, entry)
    retry_at = NOW + timedelta(minutes=10)

    async with backend.unit_of_work() as uow:
        await uow.outbox.record_failure(entry.id, retry_at)
        await uow.commit()

    assert await claim(backend, NOW + timedelta(minutes=9)) == []
    [again] = await claim(backend, retry_at)
    assert again.attempts == 1


async def test_a_message_given_up_is_never_claimed_and_not_pending(backend: Backend) -> None:
    entry = an_entry(None)
    await given_entries(backend, entry)

    async with backend.unit_of_work() as uow:
        await uow.outbox.record_failure(entry.id, None)
        await uow.commit()

    assert await claim(backend, NOW + timedelta(days=1)) == []
    async with backend.unit_of_work() as uow:
        assert await uow.outbox.depth() == 0


async def test_deleting_a_users_mail_keeps_the_others(backend: Backend) -> None:
    user = await given_user(backend)
    await given_entries(backend, an_entry(user.id), an_entry(None, n=1))

    async with backend.unit_of_work() as uow:
        assert await uow.outbox.delete_for_user(user.id) == 1
        await uow.commit()
    async with backend.unit_of_work() as uow:
        assert await uow.outbox.depth() == 1


# Reset requests


def a_request(n: int, email: str = "ada@example.com") -> ResetRequest:
    return ResetRequest(
        id=uuid.uuid4(), email=email, created_at=NOW + timedelta(seconds=n), client_ip="192.0.2.1"
    )


async def test_reset_requests_are_taken_oldest_first_and_once(backend: Backend) -> None:
    requests = [a_request(n, f"user{n}@example.com") for n in range(3)]
    async with backend.unit_of_work() as uow:
        for request in reversed(requests):
            await uow.reset_requests.add(request)
        await uow.commit()

    async with backend.unit_of_work() as uow:
        first = await uow.reset_requests.take(2)
        await uow.commit()
    async with backend.unit_of_work() as uow:
        rest = await uow.reset_requests.take(5)
        none = await uow.reset_requests.take(5)
        await uow.commit()

    assert first == requests[:2]
    assert rest == requests[2:]
    assert none == []


async def test_the_reset_request_queue_depth_counts_what_waits(backend: Backend) -> None:
    async with backend.unit_of_work() as uow:
        for n in range(3):
            await uow.reset_requests.add(a_request(n, f"user{n}@example.com"))
        assert await uow.reset_requests.depth() == 3
        await uow.commit()

    async with backend.unit_of_work() as uow:
        await uow.reset_requests.take(2)
        assert await uow.reset_requests.depth() == 1
    async with backend.unit_of_work(read_only=True) as uow:
        assert await uow.reset_requests.depth() == 3  # the take was not committed


async def test_a_request_taken_without_commit_stays_queued(backend: Backend) -> None:
    request = a_request(0, "not an email, stored as typed")
    async with backend.unit_of_work() as uow:
        await uow.reset_requests.add(request)
        await uow.commit()

    async with backend.unit_of_work() as uow:
        assert await uow.reset_requests.take(5) == [request]
    async with backend.unit_of_work() as uow:
        assert await uow.reset_requests.take(5) == [request]
