from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, UnitOfWorkFactory
from domain.email import Email
from domain.errors import AccountNotFound
from domain.user import User


@dataclass(frozen=True, slots=True)
class ResetSecondFactorCommand:
    email: str


@dataclass(frozen=True, slots=True)
class SecondFactorReset:
    user: User
    removed: bool
    """False when the account had no TOTP factor; its sessions end all the same."""
    sessions_revoked: int


class ResetSecondFactor:
    """An operator removes an account's TOTP and recovery codes, for an owner who lost both.

    Every session ends and every access token is refused at once (a credential change: `cv`
    rises, docs/api.md "Refresh sessions"), with or without a factor to remove, since whoever
    holds one may be why the owner asked. The password stays; the owner
    signs in with it and may set up TOTP again.
    """

    def __init__(
        self, unit_of_work: UnitOfWorkFactory, clock: Clock, events: SecurityEvents
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._events = events

    async def execute(self, command: ResetSecondFactorCommand) -> SecondFactorReset:
        """Raise InvalidEmail or AccountNotFound."""
        email = Email.parse(command.email)
        async with self._unit_of_work() as uow:
            user = await uow.users.get_by_email(email)
            if user is None:
                raise AccountNotFound(f"no account has the email {email}")
            removed = await uow.second_factors.remove_totp(user.id)
            user.sign_out_everywhere()
            await uow.users.save_credentials_change(user)
            revoked = await uow.sessions.revoke_all(user.id, self._clock.now())
            await uow.commit()
        self._events.record(
            SecurityEvent(SecurityEventKind.MFA_REMOVED, user_id=user.id, reason="operator")
        )
        return SecondFactorReset(user=user, removed=removed, sessions_revoked=revoked)
