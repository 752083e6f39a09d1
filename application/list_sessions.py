from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.accounts import account_of
from application.ports import Clock, UnitOfWorkFactory
from application.results import Principal
from domain.auth_methods import AuthMethods
from domain.session import Session


@dataclass(frozen=True, slots=True)
class ListSessionsCommand:
    principal: Principal


@dataclass(frozen=True, slots=True)
class LiveSession:
    """One signed-in device, as its owner sees it."""

    id: UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    """When the session ends unless refreshed before: its idle expiry, which is never after
    its absolute end. A refresh moves it on, up to the absolute end."""
    user_agent: str | None
    amr: AuthMethods
    """How the session signed in (RFC 8176); its refreshes keep it."""
    current: bool
    """Whether the access token that asked belongs to this session."""

    @classmethod
    def of(cls, session: Session, principal: Principal) -> LiveSession:
        return cls(
            id=session.id,
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            expires_at=session.idle_expires_at,
            user_agent=session.user_agent,
            amr=session.amr,
            current=session.id == principal.session_id,
        )


class ListSessions:
    """The caller's live sessions (neither revoked nor expired), newest first."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    async def execute(self, command: ListSessionsCommand) -> list[LiveSession]:
        """Raise InvalidToken when the account was deleted or disabled."""
        async with self._unit_of_work() as uow:
            user = await account_of(command.principal, uow.users)
            sessions = await uow.sessions.list_live(user.id, self._clock.now())
        # A session whose login a credential change overtook is live in the store until its
        # first refresh revokes it, but it can never refresh: not listed.
        return [
            LiveSession.of(session, command.principal)
            for session in sessions
            if not session.predates_credentials_of(user)
        ]
