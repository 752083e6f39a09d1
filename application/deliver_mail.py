from __future__ import annotations

from dataclasses import dataclass
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
    first_retry: timedelta = timedelta(seconds=30)
    max_retry: timedelta = timedelta(hours=1)
    max_attempts: int = 10

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
    message is recorded sent exactly once; a sender that dies between sending and marking lets
    the lease run out, and the message goes again (at least once beats never).

    A sender that lives on but cannot mark (the database went down right after the send)
    remembers what it sent and records it first thing in its next pass, before the lease runs
    out: an outage shorter than the lease never sends a message twice. So one instance serves
    a process for its life (the outbox loop holds one).
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
        async with self._unit_of_work() as uow:
            due = await uow.outbox.claim_due(
                self._clock.now(), self._policy.batch, self._policy.lease
            )
            await uow.commit()
        report = DeliveryReport()
        for entry in due:
            report = await self._deliver(entry, report)
        async with self._unit_of_work(read_only=True) as uow:
            pending = await uow.outbox.depth()
        return DeliveryReport(report.sent, report.retried, report.given_up, pending)

    async def _deliver(self, entry: OutboxEntry, report: DeliveryReport) -> DeliveryReport:
        try:
            await self._sender.send(entry.message)
        except MailUnavailable:
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
