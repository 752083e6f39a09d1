"""In-memory one-time links and mail outbox, and fakes for sending mail.

The repositories buffer their writes like a transaction; InMemoryUnitOfWork commits or drops
them. tests/integration/persistence/test_lifecycle_contract.py holds them to the SQLAlchemy
adapters' behaviour.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import UUID

from application.link_ports import (
    LinkTokens,
    OneTimeLinkRepository,
    ResetHistory,
    ResetRequest,
    ResetRequestRepository,
)
from application.mail_ports import (
    MailComposer,
    MailMessage,
    MailSender,
    MailUnavailable,
    OutboxEntry,
    OutboxListener,
    OutboxRepository,
)
from domain.email import Email
from domain.one_time_link import LinkPurpose, OneTimeLink

UserExists = Callable[[UUID], bool]
"""Whether a user id is visible to the unit of work (what the foreign keys check)."""


@dataclass
class OutboxRow:
    """An outbox entry as the table holds it."""

    entry: OutboxEntry
    sent_at: datetime | None = None
    given_up: bool = False

    @property
    def pending(self) -> bool:
        return self.sent_at is None and not self.given_up


@dataclass
class LifecycleRows:
    """Committed links and outbox rows; one per store."""

    links: dict[UUID, OneTimeLink] = field(default_factory=dict)
    outbox: dict[UUID, OutboxRow] = field(default_factory=dict)
    reset_requests: dict[UUID, ResetRequest] = field(default_factory=dict)


class InMemoryLinkRepository(OneTimeLinkRepository):
    def __init__(self, rows: LifecycleRows, user_exists: UserExists) -> None:
        self._rows = rows
        self._user_exists = user_exists
        self.changes: dict[UUID, OneTimeLink | None] = {}

    def visible(self) -> list[OneTimeLink]:
        merged: dict[UUID, OneTimeLink | None] = {**self._rows.links, **self.changes}
        return [link for link in merged.values() if link is not None]

    def commit(self) -> None:
        for link_id, link in self.changes.items():
            if link is None:
                self._rows.links.pop(link_id, None)
            else:
                self._rows.links[link_id] = link
        self.changes.clear()

    async def add(self, link: OneTimeLink) -> None:
        if not self._user_exists(link.user_id):
            raise LookupError("foreign key: no such user")
        if any(other.token_hash == link.token_hash for other in self.visible()):
            raise LookupError("unique: token hash taken")
        self.changes[link.id] = copy.deepcopy(link)

    async def find_live(
        self, token_hash: str, purpose: LinkPurpose, now: datetime
    ) -> OneTimeLink | None:
        for link in self.visible():
            if link.token_hash == token_hash and link.purpose is purpose and link.is_usable(now):
                return copy.deepcopy(link)
        return None

    async def consume(
        self, token_hash: str, purpose: LinkPurpose, now: datetime
    ) -> OneTimeLink | None:
        link = await self.find_live(token_hash, purpose, now)
        if link is None:
            return None
        link.use(now)
        self.changes[link.id] = copy.deepcopy(link)
        return link

    async def kill_resets(self, user_id: UUID, now: datetime) -> int:
        killed = 0
        for link in self.visible():
            mine = link.user_id == user_id and link.purpose is LinkPurpose.RESET
            if mine and link.is_usable(now):
                spent = copy.deepcopy(link)
                spent.use(now)
                self.changes[link.id] = spent
                killed += 1
        return killed

    async def reset_history(self, user_id: UUID, since: datetime, now: datetime) -> ResetHistory:
        # One unit of work at a time runs here, so nothing needs holding.
        resets = [
            link
            for link in self.visible()
            if link.user_id == user_id and link.purpose is LinkPurpose.RESET
        ]
        return ResetHistory(
            sent=sum(1 for link in resets if link.created_at >= since),
            any_usable=any(link.is_usable(now) for link in resets),
        )

    async def delete_for_user(self, user_id: UUID) -> int:
        mine = [link.id for link in self.visible() if link.user_id == user_id]
        for link_id in mine:
            self.changes[link_id] = None
        return len(mine)


class InMemoryResetRequestRepository(ResetRequestRepository):
    def __init__(self, rows: LifecycleRows) -> None:
        self._rows = rows
        self.changes: dict[UUID, ResetRequest | None] = {}

    def visible(self) -> list[ResetRequest]:
        merged: dict[UUID, ResetRequest | None] = {**self._rows.reset_requests, **self.changes}
        return [request for request in merged.values() if request is not None]

    def commit(self) -> None:
        for request_id, request in self.changes.items():
            if request is None:
                self._rows.reset_requests.pop(request_id, None)
            else:
                self._rows.reset_requests[request_id] = request
        self.changes.clear()

    async def add(self, request: ResetRequest) -> None:
        self.changes[request.id] = request

    async def take(self, limit: int) -> list[ResetRequest]:
        oldest = sorted(self.visible(), key=lambda request: (request.created_at, str(request.id)))
        taken = oldest[:limit]
        for request in taken:
            self.changes[request.id] = None
        return taken

    async def depth(self) -> int:
        return len(self.visible())


class InMemoryOutboxRepository(OutboxRepository):
    def __init__(self, rows: LifecycleRows, user_exists: UserExists) -> None:
        self._rows = rows
        self._user_exists = user_exists
        self.changes: dict[UUID, OutboxRow | None] = {}

    def visible(self) -> list[OutboxRow]:
        merged: dict[UUID, OutboxRow | None] = {**self._rows.outbox, **self.changes}
        return [row for row in merged.values() if row is not None]

    def commit(self) -> None:
        for entry_id, row in self.changes.items():
            if row is None:
                self._rows.outbox.pop(entry_id, None)
            else:
                self._rows.outbox[entry_id] = row
        self.changes.clear()

    def _find(self, entry_id: UUID) -> OutboxRow | None:
        return next((row for row in self.visible() if row.entry.id == entry_id), None)

    async def enqueue(self, entry: OutboxEntry) -> None:
        if entry.user_id is not None and not self._user_exists(entry.user_id):
            raise LookupError("foreign key: no such user")
        self.changes[entry.id] = OutboxRow(entry)

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxEntry]:
        due = [row for row in self.visible() if row.pending and row.entry.next_attempt_at <= now]
        due.sort(key=lambda row: (row.entry.next_attempt_at, row.entry.created_at))
        claimed = []
        for row in due[:limit]:
            claimed.append(row.entry)
            self.changes[row.entry.id] = replace(
                row, entry=replace(row.entry, next_attempt_at=now + lease)
            )
        return sorted(claimed, key=lambda entry: entry.created_at)

    async def mark_sent(self, entry_id: UUID, now: datetime) -> bool:
        row = self._find(entry_id)
        if row is None or row.sent_at is not None:
            return False
        self.changes[entry_id] = replace(row, sent_at=now)
        return True

    async def record_failure(self, entry_id: UUID, retry_at: datetime | None) -> None:
        row = self._find(entry_id)
        if row is None or not row.pending:
            return
        attempts = row.entry.attempts + 1
        if retry_at is None:
            entry = replace(row.entry, attempts=attempts)
            self.changes[entry_id] = replace(row, entry=entry, given_up=True)
        else:
            entry = replace(row.entry, attempts=attempts, next_attempt_at=retry_at)
            self.changes[entry_id] = replace(row, entry=entry)

    async def delete_for_user(self, user_id: UUID) -> int:
        mine = [row.entry.id for row in self.visible() if row.entry.user_id == user_id]
        for entry_id in mine:
            self.changes[entry_id] = None
        return len(mine)

    async def depth(self) -> int:
        return sum(1 for row in self.visible() if row.pending)


class CountingLinkTokens(LinkTokens):
    """Real random tokens, remembered in order so a test can follow the link it was mailed."""

    def __init__(self) -> None:
        self.issued: list[str] = []

    def new_link_token(self) -> str:
        token = secrets.token_urlsafe(32)
        self.issued.append(token)
        return token


class PlainComposer(MailComposer):
    """Just enough of a mail for tests to find the link in it."""

    def link_mail(
        self, purpose: LinkPurpose, to: Email, link: str, expires_in: timedelta
    ) -> MailMessage:
        return MailMessage(to=to, subject=f"{purpose}", text=link, html=f"<p>{link}</p>")

    def test_mail(self, to: Email) -> MailMessage:
        return MailMessage(to=to, subject="test", text="test", html="<p>test</p>")


@dataclass
class RecordingMailSender(MailSender):
    """Keeps what it sends, and what failed; `down = True` makes it fail like an unreachable
    server."""

    sent: list[MailMessage] = field(default_factory=list)
    failed: list[MailMessage] = field(default_factory=list)
    down: bool = False
    tries: int = 0

    async def send(self, message: MailMessage) -> None:
        self.tries += 1
        if self.down:
            self.failed.append(message)
            raise MailUnavailable("the fake mail server is down")
        self.sent.append(message)


@dataclass
class CountingOutboxListener(OutboxListener):
    """Counts the queued requests and mails it hears of, as the outbox loop would be woken by
    them."""

    heard: int = 0

    def work_queued(self) -> None:
        self.heard += 1
