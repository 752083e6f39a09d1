from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.accounts import account_of
from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, UnitOfWorkFactory
from application.results import Principal
from domain.errors import SessionNotFound


@dataclass(frozen=True, slots=True)
class RevokeSessionCommand:
    principal: Principal
    session_id: str
    """As the client sent it: anything that is not one of its session ids is simply not found."""


class RevokeSession:
    """End one of the caller's sessions: sign out a lost phone from the laptop."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._events = events

    async def execute(self, command: RevokeSessionCommand) -> bool:
        """Return True when the ended session is the caller's own current one.

        Raise SessionNotFound unless the id names a live session of the caller: a malformed
        id, another user's session and a dead one all look the same, so nothing is revealed.
        Raise InvalidToken when the account was deleted or disabled.
        """
        session_id = _parse(command.session_id)
        now = self._clock.now()
        async with self._unit_of_work() as uow:
            user = await account_of(command.principal, uow.users)
            session = None if session_id is None else await uow.sessions.get(session_id)
            if session is None or session.user_id != user.id or not session.is_live(now):
                raise SessionNotFound("no such session")
            session.revoke(now)
            await uow.sessions.save_revocation(session)
            await uow.commit()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.SESSION_REVOKED,
                user_id=user.id,
                session_id=session.id,
                reason="revoked_by_user",
            )
        )
        return session.id == command.principal.session_id


def _parse(raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except ValueError:
        return None
