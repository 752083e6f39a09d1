from __future__ import annotations

from uuid import UUID

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.link_mail import LinkMailer
from application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from domain.email import Email
from domain.errors import InvalidEmail
from domain.one_time_link import LinkPurpose


class AnswerResetRequests:
    """Answer queued forgot-password requests, off the request path: for each whose email has
    an account that may sign in, kill its older reset links, make a new one and queue its mail,
    in the transaction that takes the request off the queue. The rest are dropped unanswered."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        mailer: LinkMailer,
        clock: Clock,
        events: SecurityEvents,
        batch: int = 20,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._mailer = mailer
        self._clock = clock
        self._events = events
        self._batch = batch

    async def execute(self) -> int:
        """Answer up to one batch; return how many requests were taken off the queue."""
        answered: list[SecurityEvent] = []
        async with self._unit_of_work() as uow:
            requests = await uow.reset_requests.take(self._batch)
            for request in requests:
                user_id = await self._answer(uow, request.email)
                if user_id is not None:
                    answered.append(
                        SecurityEvent(
                            SecurityEventKind.RESET_REQUESTED,
                            user_id=user_id,
                            client_ip=request.client_ip,
                        )
                    )
            await uow.commit()
        for event in answered:
            self._events.record(event)
        return len(requests)

    async def _answer(self, uow: UnitOfWork, raw_email: str) -> UUID | None:
        try:
            email = Email.parse(raw_email)
        except InvalidEmail:
            return None
        user = await uow.users.get_by_email(email)
        if user is None or not user.is_active:
            return None
        now = self._clock.now()
        await uow.links.kill_resets(user.id, now)  # a newer reset link kills the older ones
        await self._mailer.send(uow, user, LinkPurpose.RESET, now)
        return user.id
