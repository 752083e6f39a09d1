from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.events import NoSecurityEvents, SecurityEvent, SecurityEventKind, SecurityEvents
from application.link_mail import LinkMailer
from application.mail_throttling import ForgotPasswordThrottle
from application.ports import Clock, UnitOfWorkFactory
from domain.email import Email
from domain.errors import InvalidEmail, TooManyAttempts
from domain.one_time_link import LinkPurpose

# The account no request for an unknown email may touch: its id is no user's (uuid4 never makes
# the nil UUID), so killing its reset links changes nothing.
_NOBODY = UUID(int=0)


@dataclass(frozen=True, slots=True)
class RequestPasswordResetCommand:
    email: str
    client_ip: str | None = None


class RequestPasswordReset:
    """Mail a reset link to the account with this email, if there is one that may sign in.

    The caller learns nothing about whether it exists: every request that passes the throttle
    ends the same way, and does the same database work (a lookup and one write transaction), so
    the time does not tell either. A newer reset link kills the older ones.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        mailer: LinkMailer,
        clock: Clock,
        events: SecurityEvents | None = None,
        throttle: ForgotPasswordThrottle | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._mailer = mailer
        self._clock = clock
        self._events = events or NoSecurityEvents()
        self._throttle = throttle

    async def execute(self, command: RequestPasswordResetCommand) -> None:
        """Raise TooManyAttempts only; a malformed or unknown email is answered like any other."""
        await self._admit(command)
        try:
            email: Email | None = Email.parse(command.email)
        except InvalidEmail:
            email = None
        now = self._clock.now()
        async with self._unit_of_work() as uow:
            user = None if email is None else await uow.users.get_by_email(email)
            if user is None or not user.is_active:
                # The same statements as below, on an id no account has: same cost, no change.
                await uow.links.kill_resets(_NOBODY, now)
                await uow.commit()
                return
            await uow.links.kill_resets(user.id, now)
            await self._mailer.send(uow, user, LinkPurpose.RESET, now)
            await uow.commit()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.RESET_REQUESTED, user_id=user.id, client_ip=command.client_ip
            )
        )

    async def _admit(self, command: RequestPasswordResetCommand) -> None:
        if self._throttle is None:
            return
        try:
            await self._throttle.admit(command.email, command.client_ip)
        except TooManyAttempts as refused:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.LOGIN_THROTTLED,
                    client_ip=command.client_ip,
                    reason=f"forgot_{refused.reason}",
                )
            )
            raise
