"""What outgoing mail needs: the messages, their outbox, their wording and a way to send them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from domain.email import Email
from domain.one_time_link import LinkPurpose


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One mail, ready to send: plain text and HTML bodies of the same content. `key`, when
    set, names the message for good (the outbox entry's id): every try of it carries the same
    Message-ID, so a receiver can drop a duplicate."""

    to: Email
    subject: str
    text: str
    html: str
    key: UUID | None = None


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A message waiting in the outbox; `attempts` counts the failed tries so far."""

    id: UUID
    message: MailMessage
    created_at: datetime
    next_attempt_at: datetime
    user_id: UUID | None = None
    attempts: int = 0


class OutboxRepository(Protocol):
    """Messages waiting to be sent. Writes join the unit of work; nothing here commits."""

    async def enqueue(self, entry: OutboxEntry) -> None:
        """Store a message to send; it commits with whatever else the unit of work holds."""
        ...

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxEntry]:
        """Up to `limit` unsent messages due at `now`, oldest due first, each put off to
        `now + lease` so no other sender claims it meanwhile (rows another transaction holds
        are skipped, not waited for)."""
        ...

    async def mark_sent(self, entry_id: UUID, now: datetime) -> bool:
        """Record the message sent at `now`; False when it already was (or is gone)."""
        ...

    async def record_failure(self, entry_id: UUID, retry_at: datetime | None) -> None:
        """Count a failed try; due again at `retry_at`, or given up for good when None."""
        ...

    async def delete_for_user(self, user_id: UUID) -> int:
        """Delete the user's unsent messages; return how many."""
        ...

    async def depth(self) -> int:
        """How many messages are neither sent nor given up."""
        ...


class MailComposer(Protocol):
    """The wording of each mail: service name, what the link does, when it expires, and what to
    do if the recipient did not ask; no tracking and no remote images."""

    def link_mail(
        self, purpose: LinkPurpose, to: Email, link: str, expires_in: timedelta
    ) -> MailMessage: ...

    def test_mail(self, to: Email) -> MailMessage: ...


class MailUnavailable(Exception):
    """The mail server refused, dropped or did not answer; the message may be tried again."""


class MailSender(Protocol):
    """Hands one message to the mail system; raise MailUnavailable when it cannot."""

    async def send(self, message: MailMessage) -> None: ...


class OutboxListener(Protocol):
    """Told, once its transaction committed, that work for the outbox loop joined a queue (a
    forgot-password request to answer, a mail to send); returns at once and never fails."""

    def work_queued(self) -> None: ...
