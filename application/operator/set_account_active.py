from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, UnitOfWorkFactory
from domain.email import Email
from domain.errors import AccountNotFound
from domain.user import User


@dataclass(frozen=True, slots=True)
class SetAccountActiveCommand:
    email: str
    active: bool


@dataclass(frozen=True, slots=True)
class AccountActivity:
    user: User
    changed: bool
    """False when the account already was as asked."""
    sessions_revoked: int


class SetAccountActive:
    """An operator disables or enables an account.

    Disabling also revokes every session, so the account is out at once: no refresh works,
    and the access tokens still in flight are refused because the account is disabled.
    Enabling lets the owner sign in again; it brings back no session, and no access token from
    before the disable (each change counts a credential change).
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._events = events

    async def execute(self, command: SetAccountActiveCommand) -> AccountActivity:
        """Raise InvalidEmail or AccountNotFound."""
        email = Email.parse(command.email)
        async with self._unit_of_work() as uow:
            user = await uow.users.get_by_email(email)
            if user is None:
                raise AccountNotFound(f"no account has the email {email}")
            changed = user.is_active != command.active
            if command.active:
                user.enable()
            else:
                user.disable()
            await uow.users.save_active(user)
            revoked = 0
            if not command.active:
                revoked = await uow.sessions.revoke_all(user.id, self._clock.now())
            await uow.commit()
        if revoked:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.SESSION_REVOKED, user_id=user.id, reason="account_disabled"
                )
            )
        return AccountActivity(user=user, changed=changed, sessions_revoked=revoked)
