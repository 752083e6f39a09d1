from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, UnitOfWorkFactory
from application.results import Principal
from domain.user import ensure_active


@dataclass(frozen=True, slots=True)
class LogoutAllCommand:
    principal: Principal


class LogoutAll:
    """Sign the account out everywhere: every live session of the user is revoked."""

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
        """Return how many sessions were revoked; raise InvalidToken for a gone or disabled user.

        Access tokens already handed out stay valid until they expire (they are stateless);
        no refresh token of the user works any more.
        """
        async with self._unit_of_work() as uow:
            user = ensure_active(await uow.users.get(command.principal.user_id))
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
