from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain.auth_methods import PASSWORD_ONLY, AuthMethods
from domain.errors import SessionExpired, SessionRevoked
from domain.user import User


class Presented(enum.Enum):
    """How a presented refresh token relates to its session's rotation state."""

    CURRENT = "current"
    """The newest token: it may be rotated."""
    REPLAY_OF_LAST_ROTATION = "replay_of_last_rotation"
    """The immediately previous token, inside the grace window: a retry whose answer was lost,
    or a tab that raced another. It gets the last rotation's answer again (the session's current
    refresh token), and nothing changes."""
    REUSED = "reused"
    """Any other token of this session: it was rotated away and came back."""


@dataclass(frozen=True, slots=True)
class SessionLifetime:
    """How long a refresh session lives: `idle` without a refresh, `absolute` after login."""

    idle: timedelta
    absolute: timedelta
    reuse_grace: timedelta


@dataclass(slots=True)
class Session:
    """A login on one device: the refresh session.

    Its refresh tokens rotate, and only `current_token_id` may refresh.
    """

    id: UUID
    user_id: UUID
    current_token_id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    """Absolute end, fixed at login: rotation never extends it."""
    idle_expires_at: datetime
    previous_token_id: str | None = None
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    user_agent: str | None = None
    credentials_version: int = 0
    """The owner's credentials version when the password was checked for this login."""
    amr: AuthMethods = PASSWORD_ONLY
    """How this login proved who the user is; every refresh of it keeps this."""

    @classmethod
    def start(
        cls,
        *,
        id: UUID,
        user_id: UUID,
        credentials_version: int,
        amr: AuthMethods,
        token_id: str,
        now: datetime,
        lifetime: SessionLifetime,
        user_agent: str | None = None,
    ) -> Session:
        """A login, bound to the owner's credentials version read with the checked password,
        and to the methods (`amr`) it checked."""
        if not amr:
            raise ValueError("a session starts with at least one authentication method")
        expires_at = now + lifetime.absolute
        return cls(
            id=id,
            user_id=user_id,
            credentials_version=credentials_version,
            amr=amr,
            current_token_id=token_id,
            created_at=now,
            last_used_at=now,
            expires_at=expires_at,
            idle_expires_at=min(now + lifetime.idle, expires_at),
            user_agent=user_agent,
        )

    @property
    def refresh_token_expires_at(self) -> datetime:
        """The `exp` of the current refresh token: the idle expiry, cut to whole seconds as a
        NumericDate is (RFC 7519 section 2). It is a function of the stored state alone, so the
        token a rotation hands out and any replay of that rotation expire at the same second."""
        return self.idle_expires_at.replace(microsecond=0)

    def is_expired(self, now: datetime) -> bool:
        return now >= self.idle_expires_at or now >= self.expires_at

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and not self.is_expired(now)

    def ensure_live(self, now: datetime) -> None:
        """Raise SessionRevoked or SessionExpired unless the session can still refresh."""
        if self.revoked_at is not None:
            raise SessionRevoked("the session was revoked")
        if self.is_expired(now):
            raise SessionExpired("the session expired")

    def predates_credentials_of(self, owner: User) -> bool:
        """True once the owner's password changed or the account was disabled or enabled since
        this login checked the password: such a session can never refresh again."""
        return self.credentials_version != owner.credentials_version

    def judge(self, token_id: str, now: datetime, reuse_grace: timedelta) -> Presented:
        """Which token of this session `token_id` is, and what presenting it at `now` means.

        Inside the grace window the previous token is as good as the current one: that is the
        window's cost, and why it is short (docs/api.md "A retried refresh gets the same answer").
        """
        if token_id == self.current_token_id:
            return Presented.CURRENT
        # A zero grace disables the window (AUTH_REFRESH_REUSE_GRACE=0): without the explicit
        # check, a previous token presented in the very instant of its rotation would slip by.
        if (
            token_id == self.previous_token_id
            and self.rotated_at is not None
            and reuse_grace > timedelta(0)
            and now - self.rotated_at <= reuse_grace
        ):
            return Presented.REPLAY_OF_LAST_ROTATION
        return Presented.REUSED

    def rotate(self, new_token_id: str, now: datetime, lifetime: SessionLifetime) -> None:
        """Make `new_token_id` the only token that may refresh; the old one becomes previous."""
        self.ensure_live(now)
        self.previous_token_id = self.current_token_id
        self.current_token_id = new_token_id
        self.rotated_at = now
        self.last_used_at = now
        self.idle_expires_at = min(now + lifetime.idle, self.expires_at)

    def revoke(self, now: datetime) -> None:
        """End the session; revoking twice keeps the first time."""
        if self.revoked_at is None:
            self.revoked_at = now
