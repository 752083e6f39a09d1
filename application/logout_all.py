from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, UnitOfWorkFactory
from application.results import Principal


@dataclass(frozen=True, slots=True)
class LogoutAllCommand:
    principal: Principal


class LogoutAll:
    """Sign the account out everywhere: every live session of the user is revoked, and every
    access token issued until now is refused (the credentials version goes up)."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._events = events

    async def execute(self, command: LogoutAllCommand) -> int:
        """Return how many sessions were revoked; raise InvalidToken for a gone or disabled user,
        or a token its credentials no longer issue.

        The credentials version rises in the same transaction as the revocation, so from its
        commit no refresh token and no access token of the user works, the caller's included.
        """
        async with self._unit_of_work() as uow:
            user = await account_of(command.principal, uow.users)
            user.sign_out_everywhere()
            await uow.users.save_credentials_change(user)
            revoked = await uow.sessions.revoke_all(user.id, self._clock.now())
            await uow.commit()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.SESSION_REVOKED,
                user_id=user.id,
                session_id=command.principal.session_id,
                reason="logout_all",
            )
        )
        return revoked
