"""The sender loop: started, it works the outbox off on its own; stopped, it stops."""

from __future__ import annotations

import asyncio
import contextlib

from dependency_injector import providers

from application.deliver_mail import DeliveryReport
from application.mail_ports import MailMessage
from entrypoints.outbox_loop import OutboxLoop
from tests.builders import World, a_world


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


class CancellationSwallowingPass:
    """A pass that, like asyncio.wait_for on Python 3.11 when the cancellation meets the inner
    await's completion, loses the cancellation and returns a report as if nothing happened."""

    def __init__(self) -> None:
        self.running = asyncio.Event()
        self.passes = 0

    async def execute(self) -> DeliveryReport:
        self.passes += 1
        if self.passes > 1:  # a loop that went on: end it, so the test fails instead of hanging
            raise asyncio.CancelledError
        self.running.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)
        return DeliveryReport(sent=1, retried=0, given_up=0, pending=0)


async def test_stop_ends_the_loop_even_when_a_pass_swallows_the_cancellation() -> None:
    swallowing = CancellationSwallowingPass()
    loop = OutboxLoop(swallowing, interval=0.01, drain=0.01)  # type: ignore[arg-type]
    loop.start()
    await asyncio.wait_for(swallowing.running.wait(), 5)

    # asyncio.wait, not wait_for: on a timeout it leaves the stop running and answers at once.
    stopping = asyncio.ensure_future(loop.stop())
    done, _ = await asyncio.wait({stopping}, timeout=5)

    assert stopping in done, "stop() still waits for a loop that lost its cancellation"
    assert swallowing.passes == 1


class HeldMailSender:
    """Sends through the world's recording sender once `release` is set; `sending` tells that a
    send has begun."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.sending = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, message: MailMessage) -> None:
        self.sending.set()
        await self.release.wait()
        await self._world.mail.send(message)


async def test_stop_lets_the_pass_under_way_send_and_mark_all_it_claimed() -> None:
    world = a_world()
    for email in ("ada@example.com", "bob@example.com"):
        await world.sign_up(email=email)
    held = HeldMailSender(world)
    world.container.mail_sender.override(providers.Object(held))
    loop = OutboxLoop(world.deliver_mail, interval=3600)
    loop.start()
    await asyncio.wait_for(held.sending.wait(), 5)

    stopping = asyncio.ensure_future(loop.stop())
    await asyncio.sleep(0)  # the stop has begun: the old loop was cancelled mid-send here
    held.release.set()
    await asyncio.wait_for(stopping, 5)

    assert len(world.mail.sent) == 2
    assert await world.deliver_mail.execute() == DeliveryReport()  # both marked: none due


async def test_stopping_an_idle_loop_does_not_wait_for_the_drain_bound() -> None:
    world = a_world()
    reports = Reports()
    loop = OutboxLoop(world.deliver_mail, interval=3600, observe=reports, drain=3600)
    loop.start()
    await asyncio.wait_for(reports.arrived.wait(), 5)  # first pass done, waiting for work

    stopping = asyncio.ensure_future(loop.stop())
    done, _ = await asyncio.wait({stopping}, timeout=5)

    assert stopping in done, "stop() waits out the drain bound on a loop with nothing to do"
