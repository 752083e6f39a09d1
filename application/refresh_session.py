from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, IdGenerator, TokenCodec, UnitOfWork, UnitOfWorkFactory
from application.results import AuthResult
from application.token_issuer import TokenIssuer
from domain.errors import CredentialsChanged, InvalidToken, RefreshTokenReused
from domain.session import Presented, Session
from domain.tokens import Claims, TokenType
from domain.user import User, ensure_active


@dataclass(frozen=True, slots=True)
class RefreshCommand:
    refresh_token: str


class RefreshSession:
    """Trade the current refresh token for a new pair; answer a retry of the last rotation with
    that rotation's token; catch tokens that come back after it (docs/api.md "Refresh sessions")."""

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
        """Rotate the session's refresh token, or replay its last rotation.

        The current token rotates. The previous one inside the grace window, or a token whose
        rotation another refresh won meanwhile, gets the session's current refresh token again
        (same `jti` and `exp`) and changes nothing. Raise InvalidToken (or SessionRevoked,
        SessionExpired, CredentialsChanged) when the token cannot refresh, and
        RefreshTokenReused after revoking a session whose rotated token came back.
        """
        claims = self._codec.decode(command.refresh_token, TokenType.REFRESH)
        now = self._clock.now()
        async with self._unit_of_work() as uow:
            session, user, outcome = await self._rotate_or_replay(uow, claims, now)
        # The tokens and the event need no connection: it is back in the pool first.
        self._record(outcome, session)
        return AuthResult(user=user, tokens=self._issuer.tokens_for(session, now))

    async def _rotate_or_replay(
        self, uow: UnitOfWork, claims: Claims, now: datetime
    ) -> tuple[Session, User, SecurityEventKind]:
        """The session as this refresh leaves it, its owner, and what happened: REFRESHED (the
        token rotated) or REFRESH_REPLAYED (the last rotation answered again)."""
        lifetime = self._issuer.policy.session
        session, owner = await self._load(uow, claims)
        user = await self._refuse_unusable(uow, session, owner, now)
        presented = session.judge(claims.token_id, now, lifetime.reuse_grace)
        if presented is Presented.REUSED:
            await self._revoke(uow, session, now)
            self._record(SecurityEventKind.REFRESH_REUSE_DETECTED, session)
            raise RefreshTokenReused("a rotated refresh token was presented again")
        if presented is Presented.CURRENT:
            session.rotate(self._ids.new_token_id(), now, lifetime)
            if await uow.sessions.save_rotation(session, expected_token_id=claims.token_id):
                await uow.commit()
                return session, user, SecurityEventKind.REFRESHED
            # Lost the compare-and-swap: since the read, another refresh rotated this token or
            # the session ended. The session as it is now says which (the port promises the
            # winner's write is visible to this read).
            session, owner = await self._load(uow, claims)
            user = await self._refuse_unusable(uow, session, owner, now)
            presented = session.judge(claims.token_id, now, lifetime.reuse_grace)
            if presented is not Presented.REPLAY_OF_LAST_ROTATION:
                # No window, or the session moved on twice: refused, but not reuse, since the
                # token was current when this request presented it.
                raise InvalidToken("another refresh rotated this token first")
        return session, user, SecurityEventKind.REFRESH_REPLAYED

    @staticmethod
    async def _load(uow: UnitOfWork, claims: Claims) -> tuple[Session, User]:
        """The token's session and its owner, read together; InvalidToken when there is none."""
        found = await uow.sessions.get_with_owner(claims.session_id)
        if found is None or found[0].user_id != claims.subject:
            raise InvalidToken("no such session")
        return found

    async def _refuse_unusable(
        self, uow: UnitOfWork, session: Session, owner: User, now: datetime
    ) -> User:
        """The owner when the session may refresh; otherwise raise why not, after revoking a
        session older than its owner's credentials (`_revoke_stale`)."""
        session.ensure_live(now)
        if session.predates_credentials_of(owner):
            await self._revoke_stale(uow, session, now)
        return ensure_active(owner)

    async def _revoke_stale(self, uow: UnitOfWork, session: Session, now: datetime) -> NoReturn:
        """Revoke and commit a session older than its owner's credentials, then refuse it.

        A login in flight when the password changed (or the account was disabled): the change
        revoked every session it saw, and this one now follows.
        """
        await self._revoke(uow, session, now)
        self._record(SecurityEventKind.SESSION_REVOKED, session, "credentials_changed")
        raise CredentialsChanged("the account's credentials changed since this login")

    @staticmethod
    async def _revoke(uow: UnitOfWork, session: Session, now: datetime) -> None:
        """Revoke the session and commit: the revocation stands though the refresh fails."""
        session.revoke(now)
        await uow.sessions.save_revocation(session)
        await uow.commit()

    def _record(self, kind: SecurityEventKind, session: Session, reason: str | None = None) -> None:
        self._events.record(
            SecurityEvent(kind, user_id=session.user_id, session_id=session.id, reason=reason)
        )
