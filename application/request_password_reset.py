from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.link_ports import ResetRequest
from application.mail_ports import OutboxListener
from application.mail_throttling import ForgotPasswordThrottle
from application.ports import Clock, IdGenerator, Overloaded, StoreUnavailable, UnitOfWorkFactory
from application.throttling import Reservation
from domain.email import MAX_EMAIL_LENGTH
from domain.errors import TooManyAttempts


@dataclass(frozen=True, slots=True)
class RequestPasswordResetCommand:
    email: str
    client_ip: str | None = None


class RequestPasswordReset:
    """Take a forgot-password request; AnswerResetRequests mails the link, if there is an account.

    No enumeration (docs/api.md): the request does the same work whatever the email (count it, then
    queue it in one small transaction), so neither the answer nor its time says whether an
    account exists. Finding the account, making the link and queueing its mail happen off the
    request path, durably: a queued request survives a restart. `listener` (the process's
    answering loop) hears of every queued request at once, so it answers without polling.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        events: SecurityEvents,
        throttle: ForgotPasswordThrottle,
        listener: OutboxListener | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._ids = ids
        self._events = events
        self._throttle = throttle
        self._listener = listener

    async def execute(self, command: RequestPasswordResetCommand) -> None:
        """Raise TooManyAttempts; a malformed or unknown email is taken like any other."""
        reservation = await self._reserve(command)
        request = ResetRequest(
            id=self._ids.new_id(),
            email=command.email.strip()[:MAX_EMAIL_LENGTH],
            created_at=self._clock.now(),
            client_ip=command.client_ip,
        )
        try:
            async with self._unit_of_work() as uow:
                await uow.reset_requests.add(request)
                await uow.commit()
        except (StoreUnavailable, Overloaded):
            # The service failed, not the client: nothing was queued, and no try is used up.
            await reservation.give_back()
            raise
        if self._listener is not None:
            self._listener.work_queued()

    async def _reserve(self, command: RequestPasswordResetCommand) -> Reservation:
        try:
            return await self._throttle.reserve(command.email, command.client_ip)
        except TooManyAttempts as refused:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.LOGIN_THROTTLED,
                    client_ip=command.client_ip,
                    reason=f"forgot_{refused.reason}",
                )
            )
            raise
