from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.link_mail import LinkMailer
from application.link_ports import ResetHistory, ResetRequest
from application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from domain.email import Email
from domain.errors import InvalidEmail
from domain.one_time_link import LinkPurpose
from domain.user import User


@dataclass(frozen=True, slots=True)
class ResetMailCap:
    """docs/api.md "Login throttling": an account gets at most `per_hour` reset mails an hour,
    whatever the client IPs; past that, one more only when none of its links is still usable."""

    per_hour: int = 3
    window: ClassVar[timedelta] = timedelta(hours=1)

    def allows(self, history: ResetHistory) -> bool:
        return history.sent < self.per_hour or not history.any_usable


@dataclass(frozen=True, slots=True)
class AnswerReport:
    taken: int = 0
    """Requests taken off the queue by the pass."""
    mailed: int = 0
    """Reset mails put in the outbox."""
    waiting: int = 0
    """Requests still queued after the pass (the queue's depth)."""


class AnswerResetRequests:
    """Answer queued forgot-password requests, off the request path: for each whose email has
    an account that may sign in, make a new reset link and queue its mail, unless the account's
    reset-mail cap is reached; all in the transaction that takes the requests off the queue. The
    rest are dropped unanswered. A newer link leaves the older ones usable (docs/api.md "Account
    recovery"): nobody can cancel a user's link by asking for more."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        mailer: LinkMailer,
        clock: Clock,
        events: SecurityEvents,
        cap: ResetMailCap | None = None,
        batch: int = 200,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._mailer = mailer
        self._clock = clock
        self._events = events
        self._cap = cap or ResetMailCap()
        self._batch = batch

    async def execute(self) -> AnswerReport:
        """Answer up to one batch, oldest first."""
        events: list[SecurityEvent] = []
        async with self._unit_of_work() as uow:
            requests = await uow.reset_requests.take(self._batch)
            emails = [(request, _email_of(request)) for request in requests]
            accounts = await self._accounts(uow, {email for _, email in emails if email})
            # Accounts in id order: concurrent answerers hold them in one order, never deadlock.
            for user in sorted(accounts.values(), key=lambda user: user.id):
                for request, email in emails:
                    if email == user.email:
                        events.append(await self._answer(uow, user, request))
            waiting = await uow.reset_requests.depth()
            await uow.commit()
        for event in events:
            self._events.record(event)
        mailed = sum(1 for event in events if event.reason is None)
        return AnswerReport(taken=len(requests), mailed=mailed, waiting=waiting)

    async def _accounts(self, uow: UnitOfWork, emails: set[Email]) -> dict[Email, User]:
        """The accounts that may sign in among `emails`, read in one query."""
        users = await uow.users.get_by_emails(emails)
        return {user.email: user for user in users if user.is_active}

    async def _answer(self, uow: UnitOfWork, user: User, request: ResetRequest) -> SecurityEvent:
        now = self._clock.now()
        history = await uow.links.reset_history(user.id, now - self._cap.window, now)
        capped = not self._cap.allows(history)
        if not capped:
            await self._mailer.send(uow, user, LinkPurpose.RESET, now)
        return SecurityEvent(
            SecurityEventKind.RESET_REQUESTED,
            user_id=user.id,
            client_ip=request.client_ip,
            reason="mail_capped" if capped else None,
        )


def _email_of(request: ResetRequest) -> Email | None:
    try:
        return Email.parse(request.email)
    except InvalidEmail:
        return None
