from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.link_mail import LinkMailer
from application.mail_ports import OutboxListener
from application.mail_throttling import VerificationMailThrottle
from application.ports import Clock, Overloaded, StoreUnavailable, UnitOfWorkFactory
from application.results import Principal
from domain.one_time_link import LinkPurpose


@dataclass(frozen=True, slots=True)
class SendEmailVerificationCommand:
    principal: Principal


class SendEmailVerification:
    """Mail a fresh verification link to the signed-in account, unless it is verified already."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        mailer: LinkMailer,
        clock: Clock,
        throttle: VerificationMailThrottle,
        listener: OutboxListener | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._mailer = mailer
        self._clock = clock
        self._throttle = throttle
        self._listener = (
            listener  # the outbox loop: it sends the mail at once, not at its next poll
        )

    async def execute(self, command: SendEmailVerificationCommand) -> bool:
        """Return whether a mail was queued; raise InvalidToken for a gone or disabled account,
        TooManyAttempts past the account's cap."""
        reservation = await self._throttle.reserve(command.principal.user_id)
        try:
            async with self._unit_of_work() as uow:
                user = await account_of(command.principal, uow.users)
                if user.email_verified:
                    return False
                await self._mailer.send(uow, user, LinkPurpose.VERIFY, self._clock.now())
                await uow.commit()
        except (StoreUnavailable, Overloaded):
            await reservation.give_back()  # the service failed: no mail, and no try used up
            raise
        if self._listener is not None:
            self._listener.work_queued()
        return True
