from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, UnitOfWorkFactory
from domain.errors import InvalidLink
from domain.one_time_link import LinkPurpose, link_token_hash


@dataclass(frozen=True, slots=True)
class VerifyEmailCommand:
    token: str
    client_ip: str | None = None


class VerifyEmail:
    """Mark the account's email verified with a mailed verification link, spending the link."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._events = events

    async def execute(self, command: VerifyEmailCommand) -> None:
        """Raise InvalidLink for an unknown, used, expired or wrong-purpose link, or one mailed
        to an address the account no longer has; nothing is stored then."""
        now = self._clock.now()
        async with self._unit_of_work() as uow:
            link = await uow.links.consume(link_token_hash(command.token), LinkPurpose.VERIFY, now)
            user = None if link is None else await uow.users.get(link.user_id)
            if link is None or user is None or link.email != user.email:
                self._events.record(
                    SecurityEvent(
                        SecurityEventKind.LINK_REFUSED, client_ip=command.client_ip, reason="verify"
                    )
                )
                raise InvalidLink  # leaving without commit undoes the consume
            user.verify_email()
            await uow.users.save_email_verified(user)
            await uow.commit()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.EMAIL_VERIFIED, user_id=user.id, client_ip=command.client_ip
            )
        )
