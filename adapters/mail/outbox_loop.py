"""The outbox sender: one asyncio task per process, started and stopped with the service.

Every process may run one: DeliverMail claims messages with a lease (FOR UPDATE SKIP LOCKED on
PostgreSQL), so two senders never hold the same message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from application.answer_reset_requests import AnswerResetRequests
from application.deliver_mail import DeliverMail, DeliveryReport
from application.ports import StoreUnavailable

log = logging.getLogger("hexauth.mail")


class OutboxLoop:
    """Every `interval` seconds, answers queued forgot-password requests (their mail joins the
    outbox) and runs a DeliverMail pass; again at once while there is work. An outage of the
    database or a bug in one pass never stops the loop."""

    def __init__(
        self,
        deliver: DeliverMail,
        interval: float = 2.0,
        observe: Callable[[DeliveryReport], None] | None = None,
        answer: AnswerResetRequests | None = None,
    ) -> None:
        self._deliver = deliver
        self._answer = answer
        self._interval = interval
        self._observe = observe
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.get_running_loop().create_task(self._run(), name="mail-outbox")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            # The flag ends the loop even when a pass swallows the cancellation: on Python 3.11,
            # asyncio.wait_for (aiosmtplib uses it) loses a cancellation that arrives as its
            # inner await completes, and the pass then returns normally.
            self._stopping = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run_once(self) -> DeliveryReport | None:
        """One pass; None when it failed (logged)."""
        try:
            if self._answer is not None:
                await self._answer.execute()
            report = await self._deliver.execute()
        except StoreUnavailable:
            log.warning("mail outbox: the database does not answer; trying again later")
            return None
        except Exception:
            log.exception("mail outbox: a sending pass failed")
            return None
        if self._observe is not None:
            self._observe(report)
        return report

    async def _run(self) -> None:
        while True:
            report = await self.run_once()
            if self._stopping:
                return
            busy = report is not None and report.sent + report.retried + report.given_up > 0
            await asyncio.sleep(0 if busy and report and report.pending else self._interval)
