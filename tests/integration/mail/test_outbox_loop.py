"""The sender loop: started, it works the outbox off on its own; stopped, it stops."""

from __future__ import annotations

import asyncio

from adapters.mail.outbox_loop import OutboxLoop
from application.deliver_mail import DeliveryReport
from tests.builders import a_world


class Reports:
    def __init__(self) -> None:
        self.seen: list[DeliveryReport] = []
        self.arrived = asyncio.Event()

    def __call__(self, report: DeliveryReport) -> None:
        self.seen.append(report)
        self.arrived.set()


async def test_a_started_loop_sends_what_is_queued_and_reports_it() -> None:
    world = a_world()
    await world.sign_up()
    reports = Reports()
    loop = OutboxLoop(world.deliver_mail, interval=0.01, observe=reports)

    loop.start()
    try:
        await asyncio.wait_for(reports.arrived.wait(), 5)
    finally:
        await loop.stop()

    assert len(world.mail.sent) == 1
    assert reports.seen[0].sent == 1
    assert reports.seen[0].pending == 0


async def test_a_failed_delivery_is_reported_and_the_loop_goes_on() -> None:
    world = a_world()
    await world.sign_up()
    world.mail.down = True
    reports = Reports()
    loop = OutboxLoop(world.deliver_mail, interval=0.01, observe=reports)

    loop.start()
    try:
        await asyncio.wait_for(reports.arrived.wait(), 5)
        reports.arrived.clear()
        await asyncio.wait_for(reports.arrived.wait(), 5)  # a second pass came
    finally:
        await loop.stop()
    await loop.stop()  # stopping twice is harmless

    assert (reports.seen[0].retried, reports.seen[0].pending) == (1, 1)
    assert world.mail.tries == 1  # the retry waits for its backoff
