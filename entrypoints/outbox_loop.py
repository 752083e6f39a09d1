"""The outbox sender: one asyncio task per process, started and stopped with the service.

Every process may run one: DeliverMail claims messages with a lease (FOR UPDATE SKIP LOCKED on
PostgreSQL), so two senders never hold the same message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from application.answer_reset_requests import AnswerReport, AnswerResetRequests
from application.deliver_mail import DeliverMail, DeliveryReport
from application.mail_ports import OutboxListener
from application.ports import StoreUnavailable

log = logging.getLogger("hexauth.mail")

_Report = TypeVar("_Report")


class OutboxLoop(OutboxListener):
    """Answers queued forgot-password requests (their mail joins the outbox) and runs a
    DeliverMail pass: at once when this process queues a request, again at once while there is
    work, else every `interval` seconds (for requests other processes queued and for retries).
    An outage of the database or a bug in one pass never stops the loop, and `stop` lets the
    pass under way finish (for at most `drain` seconds) before it ends the loop.

    Waking on each request instead of polling is what keeps a flood of forgot requests for
    unknown addresses from delaying a real account's mail (docs/api.md "Login throttling"): the
    queue is worked off as fast as it fills, a whole batch at a time.
    """

    def __init__(
        self,
        deliver: DeliverMail,
        interval: float = 2.0,
        observe: Callable[[DeliveryReport], None] | None = None,
        answer: AnswerResetRequests | None = None,
        observe_answers: Callable[[AnswerReport], None] | None = None,
        drain: float = 20.0,
    ) -> None:
        self._deliver = deliver
        self._answer = answer
        self._interval = interval
        self._observe = observe
        self._observe_answers = observe_answers
        # 20 s leaves room for the rest of shutdown within the orchestrator's 30 s grace period
        # (compose's stop_grace_period and Kubernetes' default, docs/operations.md).
        self._drain = drain
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None

    def start(self) -> None:
        if self._task is None:
            # Made here, on the loop that runs the task (a container may outlive one loop).
            self._wake = wake = asyncio.Event()
            self._stop = stop = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(
                self._run(wake, stop), name="mail-outbox"
            )

    def work_queued(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def stop(self) -> None:
        """End the loop once the pass under way is done, cancelling it only past `drain`.

        A pass cut short leaves the mail it claimed to wait out the lease, and a mail the server
        took but the pass had not marked sent goes again after it; an idle loop ends at once.
        """
        task, self._task = self._task, None
        if task is None or self._stop is None or self._wake is None:
            return
        self._stop.set()
        self._wake.set()
        await asyncio.wait({task}, timeout=self._drain)
        if not task.done():
            # The stop event ends the loop even when the pass swallows this cancellation: on
            # Python 3.11, asyncio.wait_for (aiosmtplib uses it) loses a cancellation that
            # arrives as its inner await completes, and the pass then returns normally.
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run_once(self) -> DeliveryReport | None:
        """One pass; None when the sending part failed (logged)."""
        await self._answer_once()
        return await self._deliver_once()

    async def _answer_once(self) -> bool:
        """Answer one batch of reset requests; whether any was taken."""
        if self._answer is None:
            return False
        answered = await _one_pass(
            self._answer.execute, "answering reset requests", self._observe_answers
        )
        return answered is not None and answered.taken > 0

    async def _deliver_once(self) -> DeliveryReport | None:
        return await _one_pass(self._deliver.execute, "a sending pass", self._observe)

    async def _run(self, wake: asyncio.Event, stop: asyncio.Event) -> None:
        while not stop.is_set():  # checked between passes: a stop lets the pass under way end
            wake.clear()  # work queued (or a stop) from here on wakes the wait below
            answered = await self._answer_once()
            report = await self._deliver_once()
            if stop.is_set():
                return
            # Work found: there may be more behind it (another batch, more mail due).
            if answered or (report is not None and _more_due(report)):
                await asyncio.sleep(0)  # let requests in between passes
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await wake.wait()


def _more_due(report: DeliveryReport) -> bool:
    return report.sent + report.retried + report.given_up > 0 and report.pending > 0


async def _one_pass(
    run: Callable[[], Awaitable[_Report]], what: str, observe: Callable[[_Report], None] | None
) -> _Report | None:
    """Run one pass and tell `observe` its report; None when it failed. An outage of the
    database or a bug in one pass is logged and never stops the loop."""
    try:
        report = await run()
    except StoreUnavailable:
        log.warning("mail outbox: the database does not answer; trying again later")
        return None
    except Exception:
        log.exception("mail outbox: %s failed", what)
        return None
    if observe is not None:
        observe(report)
    return report
