from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.mail_ports import MailSender, MailUnavailable, OutboxEntry
from application.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How the outbox is worked off: exponential backoff from `first_retry`, at most
    `max_retry`, giving up after `max_attempts` failed tries."""

    batch: int = 20
    lease: timedelta = timedelta(minutes=2)
    """How long a claimed message is kept from other senders while this one tries it."""
    record_time: timedelta = timedelta(seconds=15)
    """The end of each lease kept free of sending, to record a send's outcome while the claim
    is still this sender's (a unit of work waits at most 5 s for the database)."""
    first_retry: timedelta = timedelta(seconds=30)
    max_retry: timedelta = timedelta(hours=1)
    max_attempts: int = 10

    def __post_init__(self) -> None:
        if self.record_time >= self.lease:
            raise ValueError("record_time must be shorter than the lease: nothing could be sent")

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try: first_retry x 2^(attempts - 1), capped."""
        delay: timedelta = self.first_retry * (2 ** max(0, attempts - 1))
        return min(delay, self.max_retry)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    given_up: int = 0
    pending: int = 0
    """Messages still neither sent nor given up after the pass (the outbox's depth)."""


class DeliverMail:
    """Send what is due in the outbox, once each.

    A message is claimed (and so hidden from every other sender, in any process) in one short
    transaction, sent with no transaction open, then marked sent. Marking is conditional, so a
    message is recorded sent exactly once. Each send must end `record_time` before the claim's
    lease does (after the lease, another sender may claim the message): a send still running
    then is abandoned as failed, and what the batch has not reached is left to be claimed again
    when the lease runs out.

    What remains is at least once at the SMTP boundary: a sender that dies (or loses the
    database) between the server's acceptance and the marking lets the lease run out, and the
    message goes again (at least once beats never). Its Message-ID is the outbox entry's id
    every time, so a receiver that drops duplicates by Message-ID drops it. A sender that lives
    on but lost the database right after a send remembers what it sent and records it first
    thing in its next pass: back within the lease, the database never sees it sent twice (one
    instance serves a process for its life: the outbox loop holds one).
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        sender: MailSender,
        clock: Clock,
        policy: DeliveryPolicy,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._sender = sender
        self._clock = clock
        self._policy = policy
        self._events = events
        self._sent_unrecorded: dict[UUID, datetime] = {}  # message id: when it was sent

    async def execute(self) -> DeliveryReport:
        """One pass over the due messages. Raise StoreUnavailable when the database is out."""
        await self._record_sent()
        claimed_at = self._clock.now()
        async with self._unit_of_work() as uow:
            due = await uow.outbox.claim_due(claimed_at, self._policy.batch, self._policy.lease)
            await uow.commit()
        sends_end = claimed_at + self._policy.lease - self._policy.record_time
        report = DeliveryReport()
        for entry in due:
            left = sends_end - self._clock.now()
            if left <= timedelta(0):
                break  # no time left in the lease: the rest goes again once it runs out
            report = await self._deliver(entry, left, report)
        async with self._unit_of_work(read_only=True) as uow:
            pending = await uow.outbox.depth()
        return DeliveryReport(report.sent, report.retried, report.given_up, pending)

    async def _deliver(
        self, entry: OutboxEntry, left: timedelta, report: DeliveryReport
    ) -> DeliveryReport:
        try:
            async with asyncio.timeout(left.total_seconds()):
                await self._sender.send(replace(entry.message, key=entry.id))
        except (MailUnavailable, TimeoutError):
            return await self._failed(entry, report)
        self._sent_unrecorded[entry.id] = self._clock.now()
        await self._record_sent()
        return DeliveryReport(report.sent + 1, report.retried, report.given_up)

    async def _record_sent(self) -> None:
        """Mark sent what this sender sent and has not recorded yet; StoreUnavailable keeps it
        for the next pass."""
        for entry_id, sent_at in list(self._sent_unrecorded.items()):
            async with self._unit_of_work() as uow:
                await uow.outbox.mark_sent(entry_id, sent_at)
                await uow.commit()
            del self._sent_unrecorded[entry_id]

    async def _failed(self, entry: OutboxEntry, report: DeliveryReport) -> DeliveryReport:
        attempts = entry.attempts + 1
        give_up = attempts >= self._policy.max_attempts
        retry_at = None if give_up else self._clock.now() + self._policy.retry_delay(attempts)
        async with self._unit_of_work() as uow:
            await uow.outbox.record_failure(entry.id, retry_at)
            await uow.commit()
        if give_up:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.MAIL_FAILED, user_id=entry.user_id, reason="gave_up"
                )
            )
            return DeliveryReport(report.sent, report.retried, report.given_up + 1)
        return DeliveryReport(report.sent, report.retried + 1, report.given_up)
