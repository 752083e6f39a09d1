from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, IdGenerator, TokenCodec, UnitOfWorkFactory
from application.results import AuthResult
from application.token_issuer import TokenIssuer
from domain.errors import InvalidToken, RefreshTokenReused, RefreshTokenSuperseded
from domain.session import Presented
from domain.tokens import TokenType
from domain.user import ensure_active


@dataclass(frozen=True, slots=True)
class RefreshCommand:
    refresh_token: str


class RefreshSession:
    """Trade the current refresh token for a new pair; catch tokens that come back."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        codec: TokenCodec,
        issuer: TokenIssuer,
        clock: Clock,
        ids: IdGenerator,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._codec = codec
        self._issuer = issuer
        self._clock = clock
        self._ids = ids
        self._events = events

    async def execute(self, command: RefreshCommand) -> AuthResult:
        """Rotate the session's refresh token.

        Raise InvalidToken (or SessionRevoked, SessionExpired) when the token cannot refresh,
        RefreshTokenReused after revoking a session whose rotated token came back, and
        RefreshTokenSuperseded for the previous token inside the grace window or a lost race.
        """
        claims = self._codec.decode(command.refresh_token, TokenType.REFRESH)
        lifetime = self._issuer.policy.session
        now = self._clock.now()
        async with self._unit_of_work() as uow:
            found = await uow.sessions.get_with_owner(claims.session_id)
            if found is None or found[0].user_id != claims.subject:
                raise InvalidToken("no such session")
            session, owner = found
            session.ensure_live(now)
            presented = session.judge(claims.token_id, now, lifetime.reuse_grace)
            if presented is Presented.REUSED:
                session.revoke(now)
                await uow.sessions.save_revocation(session)
                await uow.commit()
                self._events.record(
                    SecurityEvent(
                        SecurityEventKind.REFRESH_REUSE_DETECTED,
                        user_id=session.user_id,
                        session_id=session.id,
                    )
                )
                raise RefreshTokenReused("a rotated refresh token was presented again")
            if presented is Presented.JUST_ROTATED:
                raise RefreshTokenSuperseded("the token was just rotated")
            user = ensure_active(owner)
            session.rotate(self._ids.new_token_id(), now, lifetime)
            if not await uow.sessions.save_rotation(session, expected_token_id=claims.token_id):
                raise RefreshTokenSuperseded("another refresh rotated this token first")
            await uow.commit()
        self._events.record(
            SecurityEvent(SecurityEventKind.REFRESHED, user_id=user.id, session_id=session.id)
        )
        return AuthResult(user=user, tokens=self._issuer.tokens_for(session, now))
