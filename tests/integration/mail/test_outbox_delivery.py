"""The outbox worked off by DeliverMail into a real SMTP server, on a real database."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.link_tokens import RandomLinkTokens
from adapters.mail.smtp_sender import SmtpEndpoint, SmtpMailSender
from adapters.mail.templates import PlainMailComposer
from adapters.persistence import create_engine, unit_of_work_factory
from adapters.system import RandomIds
from application.answer_reset_requests import AnswerResetRequests
from application.deliver_mail import DeliverMail, DeliveryPolicy
from application.link_mail import LinkMailer, LinkSettings
from application.mail_throttling import ForgotPasswordLimits, ForgotPasswordThrottle
from application.ports import UnitOfWorkFactory
from application.request_password_reset import (
    RequestPasswordReset,
    RequestPasswordResetCommand,
)
from entrypoints.outbox_loop import OutboxLoop
from tests.builders import NOW, a_user
from tests.fakes.security import FixedClock, IgnoredSecurityEvents
from tests.fakes.throttling import InMemoryAttemptCounter
from tests.smtp_server import SmtpServer, smtp_server

POLICY = DeliveryPolicy(
    batch=5, lease=timedelta(minutes=1), first_retry=timedelta(seconds=10), max_attempts=5
)


async def forgot(unit_of_work: UnitOfWorkFactory, clock: FixedClock, email: str) -> None:
    mailer = LinkMailer(RandomLinkTokens(), PlainMailComposer(), RandomIds(), LinkSettings())
    events = IgnoredSecurityEvents()
    throttle = ForgotPasswordThrottle(InMemoryAttemptCounter(clock), ForgotPasswordLimits())
    await RequestPasswordReset(unit_of_work, clock, RandomIds(), events, throttle).execute(
        RequestPasswordResetCommand(email)
    )
    await AnswerResetRequests(unit_of_work, mailer, clock, events).execute()


def deliverer(
    unit_of_work: UnitOfWorkFactory, server: SmtpServer, clock: FixedClock
) -> DeliverMail:
    sender = SmtpMailSender(
        SmtpEndpoint.parse(server.url),
        "hexauth <no-reply@localhost>",
        tls_context=server.client_tls,
        timeout=2,
    )
    return DeliverMail(unit_of_work, sender, clock, POLICY, IgnoredSecurityEvents())


async def test_a_mail_queued_while_smtp_is_down_arrives_once_after_it_is_back(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    unit_of_work = unit_of_work_factory(engine)
    clock = FixedClock(NOW)
    user = a_user()
    async with unit_of_work() as uow:
        await uow.users.add(user)
        await uow.commit()
    try:
        with smtp_server(tmp_path) as server:
            deliver = deliverer(unit_of_work, server, clock)
            server.stop()
            await forgot(unit_of_work, clock, user.email.value)

            down = await deliver.execute()
            server.start()
            too_soon = await deliver.execute()
            clock.advance(seconds=10)
            back = await deliver.execute()
            clock.advance(hours=1)
            after = await deliver.execute()
    finally:
        await engine.dispose()

    assert (down.retried, down.pending) == (1, 1)
    assert too_soon.sent == 0
    assert (back.sent, back.pending) == (1, 0)
    assert after.sent == 0
    assert len(server.inbox.links_to(user.email.value)) == 1


@pytest.mark.postgres
async def test_two_senders_on_one_outbox_send_each_mail_once(
    postgres_database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(postgres_database_url)
    unit_of_work = unit_of_work_factory(engine)
    clock = FixedClock(NOW)
    users = [a_user(email=f"user{n}@example.com") for n in range(12)]
    async with unit_of_work() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()
    for user in users:
        await forgot(unit_of_work, clock, user.email.value)
    try:
        with smtp_server(tmp_path) as server:
            loops = [OutboxLoop(deliverer(unit_of_work, server, clock)) for _ in range(2)]

            async def drain(loop: OutboxLoop) -> int:
                sent = 0
                while (report := await loop.run_once()) is not None and report.sent:
                    sent += report.sent
                return sent

            counts = await asyncio.gather(*(drain(loop) for loop in loops))
    finally:
        await engine.dispose()

    assert sum(counts) == len(users)
    assert sorted(m["To"] for m in server.inbox.messages) == sorted(u.email.value for u in users)
