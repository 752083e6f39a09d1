"""Several senders (as in several processes: an engine each) on one PostgreSQL outbox, into a
real SMTP server that goes down and comes back: every mail arrives exactly once."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

from adapters.mail.smtp_sender import SmtpEndpoint, SmtpMailSender
from adapters.persistence import create_engine, unit_of_work_factory
from adapters.system import SystemClock
from application.deliver_mail import DeliverMail, DeliveryPolicy, DeliveryReport
from application.mail_ports import MailMessage, OutboxEntry
from domain.email import Email
from entrypoints.outbox_loop import OutboxLoop
from tests.fakes.security import IgnoredSecurityEvents
from tests.smtp_server import SmtpServer, smtp_server

# Short waits so that the test takes seconds: SystemClock counts whole seconds.
OUTAGE_POLICY = DeliveryPolicy(
    batch=4,
    lease=timedelta(seconds=30),
    first_retry=timedelta(seconds=1),
    max_retry=timedelta(seconds=1),
    max_attempts=100,
)


async def queue(url: str, count: int) -> list[str]:
    """`count` mails due now, each to an address of its own; the addresses."""
    engine = create_engine(url)
    now = SystemClock().now()
    addresses = [f"user{n}@example.com" for n in range(count)]
    try:
        async with unit_of_work_factory(engine)() as uow:
            for address in addresses:
                message = MailMessage(Email(address), "subject", "text", "<p>html</p>")
                await uow.outbox.enqueue(OutboxEntry(uuid4(), message, now, now))
            await uow.commit()
    finally:
        await engine.dispose()
    return addresses


async def depth(url: str) -> int:
    engine = create_engine(url)
    try:
        async with unit_of_work_factory(engine)(read_only=True) as uow:
            return await uow.outbox.depth()
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def senders(
    url: str, server: SmtpServer, policy: DeliveryPolicy, count: int
) -> AsyncIterator[list[DeliveryReport]]:
    """`count` outbox loops, each on an engine of its own, running until the block ends; the
    reports of all their passes."""
    reports: list[DeliveryReport] = []
    engines = [create_engine(url) for _ in range(count)]
    loops = [
        OutboxLoop(
            DeliverMail(
                unit_of_work_factory(engine),
                SmtpMailSender(
                    SmtpEndpoint.parse(server.url),
                    "hexauth <no-reply@localhost>",
                    tls_context=server.client_tls,
                    timeout=2,
                ),
                SystemClock(),
                policy,
                IgnoredSecurityEvents(),
            ),
            interval=0.1,
            observe=reports.append,
        )
        for engine in engines
    ]
    for loop in loops:
        loop.start()
    try:
        yield reports
    finally:
        for loop in loops:
            await loop.stop()
        for engine in engines:
            await engine.dispose()


async def until(condition: Callable[[], bool], within: float) -> None:
    """TimeoutError unless `condition` holds within `within` seconds."""
    async with asyncio.timeout(within):
        # Polled: the inbox fills on the SMTP server's own thread, the reports on the loops'.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def test_three_senders_through_an_smtp_outage_deliver_each_mail_once(
    postgres_database_url: str, tmp_path: Path
) -> None:
    with smtp_server(tmp_path) as server:
        inbox = server.inbox
        server.stop()  # down: connections refused
        addresses = await queue(postgres_database_url, 30)
        async with senders(postgres_database_url, server, OUTAGE_POLICY, 3) as reports:
            await until(lambda: sum(r.retried for r in reports) >= 30, 10)
            inbox.refusing = True  # up, but answering 451 to every message
            server.start()
            await until(lambda: len(inbox.refused) >= 10, 10)
            inbox.refusing = False
            await until(lambda: len(inbox.messages) >= len(addresses), 30)
            await asyncio.sleep(1.5)  # time for any second copy to arrive
        left = await depth(postgres_database_url)

    assert sum(r.retried for r in reports) >= 40
    assert sorted(m["To"] for m in inbox.messages) == sorted(addresses)
    delivered_ids = Counter(m["Message-ID"] for m in inbox.messages)
    assert max(delivered_ids.values()) == 1
    # A refused try and the delivery after it are the same message to the receiver.
    assert {m["Message-ID"] for m in inbox.refused} <= set(delivered_ids)
    assert left == 0


async def test_a_slow_server_never_gets_a_message_from_two_senders(
    postgres_database_url: str, tmp_path: Path
) -> None:
    # Each message takes 0.6 s before the server takes it; one sender claims all 6 for 3 s (the
    # last 1 s kept for recording), sends what fits and leaves the rest, which the other sender
    # claims once the lease has run out. A sender that went on past its lease sent those twice.
    policy = DeliveryPolicy(
        batch=6,
        lease=timedelta(seconds=3),
        record_time=timedelta(seconds=1),
        first_retry=timedelta(seconds=1),
        max_retry=timedelta(seconds=1),
        max_attempts=100,
    )
    with smtp_server(tmp_path) as server:
        server.inbox.rcpt_delay = 0.6
        addresses = await queue(postgres_database_url, 6)
        async with senders(postgres_database_url, server, policy, 2):
            await until(lambda: len(server.inbox.messages) >= len(addresses), 40)
            await asyncio.sleep(1.5)
        left = await depth(postgres_database_url)

    assert sorted(m["To"] for m in server.inbox.messages) == sorted(addresses)
    assert left == 0
