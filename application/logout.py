from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, TokenCodec, UnitOfWorkFactory
from domain.errors import InvalidToken
from domain.tokens import TokenType


@dataclass(frozen=True, slots=True)
class LogoutCommand:
    refresh_token: str | None


class Logout:
    """End the session a refresh token belongs to. Idempotent: no token, or a dead one, is fine."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        codec: TokenCodec,
        clock: Clock,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._codec = codec
        self._clock = clock
        self._events = events

    async def execute(self, command: LogoutCommand) -> None:
        if not command.refresh_token:
            return
        try:
            claims = self._codec.decode(command.refresh_token, TokenType.REFRESH)
        except InvalidToken:
            return
        async with self._unit_of_work() as uow:
            session = await uow.sessions.get(claims.session_id)
            if session is None or session.user_id != claims.subject or session.revoked_at:
                return
            session.revoke(self._clock.now())
            await uow.sessions.save_revocation(session)
            await uow.commit()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.SESSION_REVOKED,
                user_id=session.user_id,
                session_id=session.id,
                reason="logout",
            )
        )
