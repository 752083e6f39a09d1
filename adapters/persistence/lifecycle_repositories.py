"""One-time links and the mail outbox as SQLAlchemy Core statements over one connection.

The statements are plain public Core (update ... returning, select ... with_for_update) run on
the unit of work's AsyncConnection; nothing here knows which driver runs them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import bindparam, delete, func, insert, literal_column, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.columns import Row, as_utc, as_utc_or_none, to_utc
from adapters.persistence.tables import mail_outbox, one_time_links, reset_requests, users
from application.link_ports import (
    OneTimeLinkRepository,
    ResetHistory,
    ResetRequest,
    ResetRequestRepository,
)
from application.mail_ports import MailMessage, OutboxEntry, OutboxRepository
from domain.email import Email
from domain.one_time_link import LinkPurpose, OneTimeLink

_LINK_COLUMNS = tuple(
    one_time_links.c[name]
    for name in (
        "id",
        "user_id",
        "email",
        "purpose",
        "token_hash",
        "created_at",
        "expires_at",
        "used_at",
    )
)
_LIVE_LINK = (
    one_time_links.c.token_hash == bindparam("hash"),
    one_time_links.c.purpose == bindparam("link_purpose"),
    one_time_links.c.used_at.is_(None),
    one_time_links.c.expires_at > bindparam("now"),
)
_INSERT_LINK = insert(one_time_links)
_SELECT_LIVE_LINK = select(*_LINK_COLUMNS).where(*_LIVE_LINK)
# Single use as one conditional UPDATE: on PostgreSQL a concurrent UPDATE of the same row waits
# for the first to commit, then re-checks `used_at IS NULL` and changes nothing; on SQLite BEGIN
# IMMEDIATE serializes the writers. Either way exactly one consumer gets the row back.
_CONSUME_LINK = (
    update(one_time_links)
    .where(*_LIVE_LINK)
    .values(used_at=bindparam("now"))
    .returning(*_LINK_COLUMNS)
)
_KILL_RESETS = (
    update(one_time_links)
    .where(
        one_time_links.c.user_id == bindparam("owner_id"),
        one_time_links.c.purpose == bindparam("reset_purpose"),
        one_time_links.c.used_at.is_(None),
        one_time_links.c.expires_at > bindparam("now"),
    )
    .values(used_at=bindparam("now"))
)
# The account's row is held (FOR NO KEY UPDATE on PostgreSQL, which foreign-key checks do not
# wait for; SQLite's BEGIN IMMEDIATE serializes writers anyway), so two answerers of the same
# account count one after the other and the reset-mail cap holds across processes.
_HOLD_ACCOUNT = (
    select(users.c.id).where(users.c.id == bindparam("owner_id")).with_for_update(key_share=True)
)
_RESET_HISTORY = select(
    func.count().filter(one_time_links.c.created_at >= bindparam("since")),
    func.count().filter(
        one_time_links.c.used_at.is_(None), one_time_links.c.expires_at > bindparam("now")
    ),
).where(
    one_time_links.c.user_id == bindparam("owner_id"),
    one_time_links.c.purpose == bindparam("reset_purpose"),
)
_DELETE_LINKS = delete(one_time_links).where(one_time_links.c.user_id == bindparam("owner_id"))

_REQUEST_COLUMNS = (
    reset_requests.c.id,
    reset_requests.c.email,
    reset_requests.c.created_at,
    reset_requests.c.client_ip,
)
_INSERT_REQUEST = insert(reset_requests)
# Taken off the queue in one DELETE ... RETURNING over a FOR UPDATE SKIP LOCKED subquery, in the
# transaction that answers them: two senders never answer one request, and a rollback keeps it.
_TAKE_REQUESTS = (
    delete(reset_requests)
    .where(
        reset_requests.c.id.in_(
            select(reset_requests.c.id)
            .order_by(reset_requests.c.created_at, reset_requests.c.id)
            .limit(bindparam("batch"))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .returning(*_REQUEST_COLUMNS)
)

_OUTBOX_COLUMNS = tuple(
    mail_outbox.c[name]
    for name in (
        "id",
        "user_id",
        "recipient",
        "subject",
        "text_body",
        "html_body",
        "created_at",
        "next_attempt_at",
        "attempts",
    )
)
_PENDING = (mail_outbox.c.sent_at.is_(None), mail_outbox.c.given_up.is_(False))
_INSERT_MAIL = insert(mail_outbox)
# Claimed rows are put off by the lease and returned in one statement. The subquery locks the
# rows it picks and skips those another sender holds (FOR UPDATE SKIP LOCKED on PostgreSQL; the
# SQLite dialect renders no locking clause, and BEGIN IMMEDIATE serializes writers there).
_DUE_IDS = (
    select(mail_outbox.c.id)
    .where(*_PENDING, mail_outbox.c.next_attempt_at <= bindparam("now"))
    .order_by(mail_outbox.c.next_attempt_at, mail_outbox.c.created_at)
    .limit(bindparam("batch"))
    .with_for_update(skip_locked=True)
)
_CLAIM_MAIL = (
    update(mail_outbox)
    .where(mail_outbox.c.id.in_(_DUE_IDS.scalar_subquery()))
    .values(next_attempt_at=bindparam("lease_end"))
    .returning(*_OUTBOX_COLUMNS)
)
_MARK_SENT = (
    update(mail_outbox)
    .where(mail_outbox.c.id == bindparam("entry_id"), mail_outbox.c.sent_at.is_(None))
    .values(sent_at=bindparam("sent_moment"))
)
_RETRY_LATER = (
    update(mail_outbox)
    .where(mail_outbox.c.id == bindparam("entry_id"), *_PENDING)
    .values(
        attempts=mail_outbox.c.attempts + literal_column("1"), next_attempt_at=bindparam("retry_at")
    )
)
_GIVE_UP = (
    update(mail_outbox)
    .where(mail_outbox.c.id == bindparam("entry_id"), *_PENDING)
    .values(attempts=mail_outbox.c.attempts + literal_column("1"), given_up=true())
)
_DELETE_MAIL = delete(mail_outbox).where(
    mail_outbox.c.user_id == bindparam("owner_id"), mail_outbox.c.sent_at.is_(None)
)
_COUNT_REQUESTS = select(func.count()).select_from(reset_requests)
_COUNT_PENDING = select(func.count()).select_from(mail_outbox).where(*_PENDING)


class SqlAlchemyLinkRepository(OneTimeLinkRepository):
    """One-time links in `one_time_links`; writes join the connection's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, link: OneTimeLink) -> None:
        """Insert the link; an IntegrityError propagates when its user does not exist."""
        await self._connection.execute(
            _INSERT_LINK,
            {
                "id": link.id,
                "user_id": link.user_id,
                "email": link.email.value,
                "purpose": link.purpose.value,
                "token_hash": link.token_hash,
                "created_at": to_utc(link.created_at),
                "expires_at": to_utc(link.expires_at),
                "used_at": None if link.used_at is None else to_utc(link.used_at),
            },
        )

    async def find_live(
        self, token_hash: str, purpose: LinkPurpose, now: datetime
    ) -> OneTimeLink | None:
        row = (
            await self._connection.execute(
                _SELECT_LIVE_LINK,
                {"hash": token_hash, "link_purpose": purpose.value, "now": to_utc(now)},
            )
        ).first()
        return None if row is None else _link_from(row)

    async def consume(
        self, token_hash: str, purpose: LinkPurpose, now: datetime
    ) -> OneTimeLink | None:
        """One UPDATE ... WHERE used_at IS NULL AND expires_at > now RETURNING: compare-and-set."""
        row = (
            await self._connection.execute(
                _CONSUME_LINK,
                {"hash": token_hash, "link_purpose": purpose.value, "now": to_utc(now)},
            )
        ).first()
        return None if row is None else _link_from(row)

    async def kill_resets(self, user_id: UUID, now: datetime) -> int:
        return (
            await self._connection.execute(
                _KILL_RESETS,
                {
                    "owner_id": user_id,
                    "now": to_utc(now),
                    "reset_purpose": LinkPurpose.RESET.value,
                },
            )
        ).rowcount

    async def reset_history(self, user_id: UUID, since: datetime, now: datetime) -> ResetHistory:
        await self._connection.execute(_HOLD_ACCOUNT, {"owner_id": user_id})
        row = (
            await self._connection.execute(
                _RESET_HISTORY,
                {
                    "owner_id": user_id,
                    "reset_purpose": LinkPurpose.RESET.value,
                    "since": to_utc(since),
                    "now": to_utc(now),
                },
            )
        ).first()
        sent, usable = (0, 0) if row is None else row
        return ResetHistory(sent=sent, any_usable=usable > 0)

    async def delete_for_user(self, user_id: UUID) -> int:
        return (await self._connection.execute(_DELETE_LINKS, {"owner_id": user_id})).rowcount


class SqlAlchemyResetRequestRepository(ResetRequestRepository):
    """Queued forgot-password requests in `reset_requests`."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, request: ResetRequest) -> None:
        await self._connection.execute(
            _INSERT_REQUEST,
            {
                "id": request.id,
                "email": request.email,
                "client_ip": request.client_ip,
                "created_at": to_utc(request.created_at),
            },
        )

    async def take(self, limit: int) -> list[ResetRequest]:
        rows = (await self._connection.execute(_TAKE_REQUESTS, {"batch": limit})).all()
        taken = [
            ResetRequest(
                id=request_id, email=email, created_at=as_utc(created_at), client_ip=client_ip
            )
            for request_id, email, created_at, client_ip in rows
        ]
        return sorted(taken, key=lambda request: (request.created_at, str(request.id)))

    async def depth(self) -> int:
        return int((await self._connection.execute(_COUNT_REQUESTS)).scalar_one())


class SqlAlchemyOutboxRepository(OutboxRepository):
    """Outgoing mail in `mail_outbox`; writes join the connection's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def enqueue(self, entry: OutboxEntry) -> None:
        message = entry.message
        await self._connection.execute(
            _INSERT_MAIL,
            {
                "id": entry.id,
                "user_id": entry.user_id,
                "recipient": message.to.value,
                "subject": message.subject,
                "text_body": message.text,
                "html_body": message.html,
                "created_at": to_utc(entry.created_at),
                "next_attempt_at": to_utc(entry.next_attempt_at),
                "attempts": entry.attempts,
            },
        )

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxEntry]:
        """One UPDATE over a FOR UPDATE SKIP LOCKED subquery, returning the claimed rows."""
        rows = (
            await self._connection.execute(
                _CLAIM_MAIL,
                {"now": to_utc(now), "batch": limit, "lease_end": to_utc(now + lease)},
            )
        ).all()
        # RETURNING promises no order; the entries come back as they were due.
        entries = [_entry_from(row) for row in rows]
        return sorted(entries, key=lambda entry: entry.created_at)

    async def mark_sent(self, entry_id: UUID, now: datetime) -> bool:
        params = {"entry_id": entry_id, "sent_moment": to_utc(now)}
        return (await self._connection.execute(_MARK_SENT, params)).rowcount == 1

    async def record_failure(self, entry_id: UUID, retry_at: datetime | None) -> None:
        if retry_at is None:
            await self._connection.execute(_GIVE_UP, {"entry_id": entry_id})
        else:
            params = {"entry_id": entry_id, "retry_at": to_utc(retry_at)}
            await self._connection.execute(_RETRY_LATER, params)

    async def delete_for_user(self, user_id: UUID) -> int:
        return (await self._connection.execute(_DELETE_MAIL, {"owner_id": user_id})).rowcount

    async def depth(self) -> int:
        row = (await self._connection.execute(_COUNT_PENDING, {})).first()
        return 0 if row is None else int(row[0])


def _link_from(row: Row) -> OneTimeLink:
    link_id, user_id, email, purpose, token_hash, created_at, expires_at, used_at = row
    return OneTimeLink(
        id=link_id,
        user_id=user_id,
        email=Email(email),
        purpose=LinkPurpose(purpose),
        token_hash=token_hash,
        created_at=as_utc(created_at),
        expires_at=as_utc(expires_at),
        used_at=as_utc_or_none(used_at),
    )


def _entry_from(row: Row) -> OutboxEntry:
    (
        entry_id,
        user_id,
        recipient,
        subject,
        text_body,
        html_body,
        created_at,
        next_attempt_at,
        attempts,
    ) = row
    return OutboxEntry(
        id=entry_id,
        message=MailMessage(to=Email(recipient), subject=subject, text=text_body, html=html_body),
        created_at=as_utc(created_at),
        next_attempt_at=as_utc(next_attempt_at),
        user_id=user_id,
        attempts=attempts,
    )
