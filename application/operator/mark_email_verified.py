from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import UnitOfWorkFactory
from domain.email import Email
from domain.errors import AccountNotFound
from domain.user import User


@dataclass(frozen=True, slots=True)
class MarkEmailVerifiedCommand:
    email: str


@dataclass(frozen=True, slots=True)
class EmailVerification:
    user: User
    changed: bool
    """False when the email was verified already."""


class MarkEmailVerified:
    """An operator vouches for an account's email, as if its owner had followed the link."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, events: SecurityEvents) -> None:
        self._unit_of_work = unit_of_work
        self._events = events

    async def execute(self, command: MarkEmailVerifiedCommand) -> EmailVerification:
        """Raise InvalidEmail or AccountNotFound."""
        email = Email.parse(command.email)
        async with self._unit_of_work() as uow:
            user = await uow.users.get_by_email(email)
            if user is None:
                raise AccountNotFound(f"no account has the email {email}")
            changed = not user.email_verified
            user.verify_email()
            await uow.users.save_email_verified(user)
            await uow.commit()
        if changed:
            self._events.record(
                SecurityEvent(SecurityEventKind.EMAIL_VERIFIED, user_id=user.id, reason="operator")
            )
        return EmailVerification(user=user, changed=changed)
