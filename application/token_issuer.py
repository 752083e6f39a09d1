from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports import IdGenerator, TokenCodec
from domain.auth_methods import AuthMethods
from domain.session import Session, SessionLifetime
from domain.tokens import Claims, TokenPair, TokenType
from domain.user import User

USER_AGENT_MAX_LENGTH = 512


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    access_ttl: timedelta
    session: SessionLifetime


class TokenIssuer:
    """Starts refresh sessions and mints the token pair for a session's current state."""

    def __init__(self, codec: TokenCodec, ids: IdGenerator, policy: TokenPolicy) -> None:
        self._codec = codec
        self._ids = ids
        self._policy = policy

    @property
    def policy(self) -> TokenPolicy:
        return self._policy

    def start_session(
        self, owner: User, now: datetime, user_agent: str | None, *, amr: AuthMethods
    ) -> Session:
        """A new session of `owner`, bound to the credentials version `owner` was read with,
        signed in with the methods `amr` (what the caller checked)."""
        return Session.start(
            id=self._ids.new_id(),
            user_id=owner.id,
            credentials_version=owner.credentials_version,
            amr=amr,
            token_id=self._ids.new_token_id(),
            now=now,
            lifetime=self._policy.session,
            user_agent=user_agent[:USER_AGENT_MAX_LENGTH] if user_agent else None,
        )

    def tokens_for(self, session: Session, now: datetime) -> TokenPair:
        """A new access token, and the session's current refresh token.

        The access token carries the session's credentials version and `amr`: a session can be
        used only while its version is the owner's, and so can its access tokens. The refresh
        token's claims (`jti`, `sid`, `exp`) follow from the session's stored state
        alone, so minting it again for the same state, as a replay of the last rotation does,
        gives the same claims, freshly encrypted.
        """
        access = Claims(
            subject=session.user_id,
            session_id=session.id,
            token_id=self._ids.new_token_id(),
            type=TokenType.ACCESS,
            issued_at=now,
            expires_at=now + self._policy.access_ttl,
            credentials_version=session.credentials_version,
            amr=session.amr,
        )
        refresh = Claims(
            subject=session.user_id,
            session_id=session.id,
            token_id=session.current_token_id,
            type=TokenType.REFRESH,
            issued_at=now,
            expires_at=session.refresh_token_expires_at,
        )
        return TokenPair(
            access_token=self._codec.encode(access),
            access_expires_at=access.expires_at,
            refresh_token=self._codec.encode(refresh),
            refresh_expires_at=refresh.expires_at,
        )
