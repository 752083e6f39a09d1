"""The repository ports over one connection, as SQLAlchemy Core statements built once.

Built at import, each statement is compiled once and then found in SQLAlchemy's compiled cache,
and on PostgreSQL asyncpg's prepared-statement cache (the dialect's, on by default) saves the
server its parse and plan. Errors keep their type here; the unit of work turns outages into
StoreUnavailable.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.columns import (
    Row,
    as_utc,
    as_utc_or_none,
    to_utc,
    to_utc_or_none,
    violates_unique,
)
from adapters.persistence.tables import UNIQUE_EMAIL, refresh_sessions, users
from application.ports import SessionRepository, UserRepository
from domain.auth_methods import parse_auth_methods
from domain.email import Email
from domain.errors import EmailAlreadyRegistered
from domain.session import Session
from domain.user import User

_USER_COLUMNS = (
    users.c.id,
    users.c.email,
    users.c.password_hash,
    users.c.created_at,
    users.c.is_active,
    users.c.credentials_version,
    users.c.email_verified,
)
_SELECT_USER = select(*_USER_COLUMNS).where(users.c.id == bindparam("user_id"))
_SELECT_USER_BY_EMAIL = select(*_USER_COLUMNS).where(users.c.email == bindparam("email"))
_INSERT_USER = insert(users)
# A credential change counts in the database (`+ 1` under the row lock, not a value computed
# in memory), so of two concurrent changes neither is lost: the stored version passes every
# version a login read before either committed.
_UPDATE_PASSWORD_HASH = (
    update(users)
    .where(users.c.id == bindparam("user_id"))
    .values(
        password_hash=bindparam("new_password_hash"),
        credentials_version=users.c.credentials_version + 1,
    )
)
# The same password hashed anew: only while no credential change came in between.
_UPGRADE_PASSWORD_HASH = (
    update(users)
    .where(
        users.c.id == bindparam("user_id"),
        users.c.credentials_version == bindparam("read_credentials_version"),
    )
    .values(password_hash=bindparam("new_password_hash"))
)
_COUNT_CREDENTIALS_CHANGE = (
    update(users)
    .where(users.c.id == bindparam("user_id"))
    .values(credentials_version=users.c.credentials_version + 1)
)
_UPDATE_IS_ACTIVE = (
    update(users)
    .where(users.c.id == bindparam("user_id"), users.c.is_active != bindparam("new_is_active"))
    .values(
        is_active=bindparam("new_is_active"),
        credentials_version=users.c.credentials_version + 1,
    )
)
_UPDATE_EMAIL_VERIFIED = (
    update(users)
    .where(users.c.id == bindparam("user_id"))
    .values(email_verified=bindparam("new_email_verified"))
)
_DELETE_USER = delete(users).where(users.c.id == bindparam("user_id"))

_SESSION_COLUMNS = tuple(
    refresh_sessions.c[name]
    for name in (
        "id",
        "user_id",
        "current_token_id",
        "previous_token_id",
        "rotated_at",
        "revoked_at",
        "created_at",
        "last_used_at",
        "expires_at",
        "idle_expires_at",
        "user_agent",
        "credentials_version",
        "amr",
    )
)
_SELECT_SESSION = select(*_SESSION_COLUMNS).where(refresh_sessions.c.id == bindparam("session_id"))
# Refresh reads both; one round trip instead of two on its hot path (docs/performance.md).
_SELECT_SESSION_WITH_OWNER = (
    select(*_SESSION_COLUMNS, *_USER_COLUMNS)
    .join_from(refresh_sessions, users, refresh_sessions.c.user_id == users.c.id)
    .where(refresh_sessions.c.id == bindparam("session_id"))
)
_INSERT_SESSION = insert(refresh_sessions)
_ROTATED_COLUMNS = (
    "current_token_id",
    "previous_token_id",
    "rotated_at",
    "last_used_at",
    "idle_expires_at",
)
_ROTATE_SESSION = (
    update(refresh_sessions)
    .where(
        refresh_sessions.c.id == bindparam("session_id"),
        refresh_sessions.c.current_token_id == bindparam("expected_token_id"),
        refresh_sessions.c.revoked_at.is_(None),
    )
    .values({column: bindparam(f"new_{column}") for column in _ROTATED_COLUMNS})
)
# The first revocation wins, as in Session.revoke, even when two processes race.
_REVOKE_SESSION = (
    update(refresh_sessions)
    .where(
        refresh_sessions.c.id == bindparam("session_id"), refresh_sessions.c.revoked_at.is_(None)
    )
    .values(revoked_at=bindparam("new_revoked_at"))
)
# Live as in Session.is_live; `user_id` is indexed, and a user has few sessions.
_LIVE_SESSIONS_OF_USER = (
    refresh_sessions.c.user_id == bindparam("owner_id"),
    refresh_sessions.c.revoked_at.is_(None),
    refresh_sessions.c.idle_expires_at > bindparam("now"),
    refresh_sessions.c.expires_at > bindparam("now"),
)
_SELECT_LIVE_SESSIONS = (
    select(*_SESSION_COLUMNS)
    .where(*_LIVE_SESSIONS_OF_USER)
    # The id breaks ties between sessions started in the same second, the same on every backend.
    .order_by(refresh_sessions.c.created_at.desc(), refresh_sessions.c.id.desc())
)
_COUNT_LIVE_SESSIONS = (
    select(func.count())
    .select_from(refresh_sessions)
    .where(
        *_LIVE_SESSIONS_OF_USER,
        refresh_sessions.c.credentials_version == bindparam("credentials_version"),
    )
)
_REVOKE_LIVE_SESSIONS = (
    update(refresh_sessions)
    .where(*_LIVE_SESSIONS_OF_USER)
    .values(revoked_at=bindparam("new_revoked_at"))
)
# `idle_expires_at` is never later than `expires_at`, so with `revoked_at` it finds every dead
# session; each has its own index, which PostgreSQL combines for the OR.
_PRUNE_SESSIONS = delete(refresh_sessions).where(
    or_(
        refresh_sessions.c.idle_expires_at < bindparam("before"),
        refresh_sessions.c.revoked_at < bindparam("before"),
    )
)


class SqlAlchemyUserRepository(UserRepository):
    """Users in the `users` table; writes join the connection's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, user: User) -> None:
        """Insert the user; raise EmailAlreadyRegistered when the email is taken.

        The insert runs in a savepoint, so after that error the transaction is still usable
        on PostgreSQL too, as it is on SQLite and in the in-memory fake.
        """
        try:
            async with self._connection.begin_nested():
                await self._connection.execute(
                    _INSERT_USER,
                    {
                        "id": user.id,
                        "email": user.email.value,
                        "password_hash": user.password_hash,
                        "created_at": to_utc(user.created_at),
                        "is_active": user.is_active,
                        "credentials_version": user.credentials_version,
                        "email_verified": user.email_verified,
                    },
                )
        except IntegrityError as error:
            if violates_unique(error, UNIQUE_EMAIL, "users.email"):
                raise EmailAlreadyRegistered from None
            raise

    async def get(self, user_id: UUID) -> User | None:
        row = (await self._connection.execute(_SELECT_USER, {"user_id": user_id})).first()
        return None if row is None else _user_from(row)

    async def get_by_email(self, email: Email) -> User | None:
        row = (
            await self._connection.execute(_SELECT_USER_BY_EMAIL, {"email": email.value})
        ).first()
        return None if row is None else _user_from(row)

    async def save_password_hash(self, user: User) -> None:
        """Store the password hash and count a credential change; an unknown user changes
        nothing."""
        await self._connection.execute(
            _UPDATE_PASSWORD_HASH,
            {"user_id": user.id, "new_password_hash": user.password_hash},
        )

    async def save_upgraded_password_hash(self, user: User) -> None:
        """Store the hash unless the stored credentials version is no longer the user's."""
        await self._connection.execute(
            _UPGRADE_PASSWORD_HASH,
            {
                "user_id": user.id,
                "read_credentials_version": user.credentials_version,
                "new_password_hash": user.password_hash,
            },
        )

    async def save_credentials_change(self, user: User) -> None:
        """Count a credential change in one UPDATE; an unknown user changes nothing."""
        await self._connection.execute(_COUNT_CREDENTIALS_CHANGE, {"user_id": user.id})

    async def save_active(self, user: User) -> None:
        """Store `is_active`, counting a credential change when it changes; an unknown user
        changes nothing."""
        await self._connection.execute(
            _UPDATE_IS_ACTIVE, {"user_id": user.id, "new_is_active": user.is_active}
        )

    async def save_email_verified(self, user: User) -> None:
        """Store only `email_verified`; an unknown user changes nothing."""
        await self._connection.execute(
            _UPDATE_EMAIL_VERIFIED,
            {"user_id": user.id, "new_email_verified": user.email_verified},
        )

    async def delete(self, user_id: UUID) -> bool:
        """One DELETE; the foreign keys' ON DELETE CASCADE takes the sessions, links, mail,
        passkeys and passkey ceremonies."""
        return (await self._connection.execute(_DELETE_USER, {"user_id": user_id})).rowcount == 1

    # To come with its port: listing users for operators.


class SqlAlchemySessionRepository(SessionRepository):
    """Refresh sessions in `refresh_sessions`; writes join the connection's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, session: Session) -> None:
        """Insert the session; an IntegrityError propagates when its user does not exist."""
        await self._connection.execute(
            _INSERT_SESSION,
            {
                "id": session.id,
                "user_id": session.user_id,
                "current_token_id": session.current_token_id,
                "previous_token_id": session.previous_token_id,
                "rotated_at": to_utc_or_none(session.rotated_at),
                "revoked_at": to_utc_or_none(session.revoked_at),
                "created_at": to_utc(session.created_at),
                "last_used_at": to_utc(session.last_used_at),
                "expires_at": to_utc(session.expires_at),
                "idle_expires_at": to_utc(session.idle_expires_at),
                "user_agent": session.user_agent,
                "credentials_version": session.credentials_version,
                "amr": " ".join(session.amr),
            },
        )

    async def get(self, session_id: UUID) -> Session | None:
        row = (await self._connection.execute(_SELECT_SESSION, {"session_id": session_id})).first()
        return None if row is None else _session_from(row)

    async def get_with_owner(self, session_id: UUID) -> tuple[Session, User] | None:
        """One SELECT joining the session's row to its user's (the foreign key makes it one)."""
        result = await self._connection.execute(
            _SELECT_SESSION_WITH_OWNER, {"session_id": session_id}
        )
        row = result.first()
        if row is None:
            return None
        split = len(_SESSION_COLUMNS)
        return _session_from(row[:split]), _user_from(row[split:])

    async def save_rotation(self, session: Session, expected_token_id: str) -> bool:
        """Compare-and-swap in one UPDATE: the row changes only if its current token is still
        `expected_token_id` and it is not revoked.

        On PostgreSQL a concurrent UPDATE of the same row waits for the first to commit, then
        re-reads the row and finds its condition false; on SQLite BEGIN IMMEDIATE serializes
        the transactions. Either way exactly one of racing rotations changes the row.
        """
        result = await self._connection.execute(
            _ROTATE_SESSION,
            {
                "session_id": session.id,
                "expected_token_id": expected_token_id,
                "new_current_token_id": session.current_token_id,
                "new_previous_token_id": session.previous_token_id,
                "new_rotated_at": to_utc_or_none(session.rotated_at),
                "new_last_used_at": to_utc(session.last_used_at),
                "new_idle_expires_at": to_utc(session.idle_expires_at),
            },
        )
        return result.rowcount == 1

    async def save_revocation(self, session: Session) -> None:
        """Store `revoked_at`, unless the stored session was revoked already: the first wins."""
        await self._connection.execute(
            _REVOKE_SESSION,
            {"session_id": session.id, "new_revoked_at": to_utc_or_none(session.revoked_at)},
        )

    async def list_live(self, user_id: UUID, now: datetime) -> list[Session]:
        """Unrevoked and unexpired at `now`, newest `created_at` first (then by id)."""
        rows = await self._connection.execute(
            _SELECT_LIVE_SESSIONS, {"owner_id": user_id, "now": to_utc(now)}
        )
        return [_session_from(row) for row in rows]

    async def count_live(self, owner: User, now: datetime) -> int:
        """One SELECT count(*) over the live sessions of the owner's current credentials."""
        result = await self._connection.execute(
            _COUNT_LIVE_SESSIONS,
            {
                "owner_id": owner.id,
                "now": to_utc(now),
                "credentials_version": owner.credentials_version,
            },
        )
        return int(result.scalar_one())

    async def revoke_all(self, user_id: UUID, now: datetime) -> int:
        """One UPDATE: `revoked_at = now` on each of the user's sessions live at `now`."""
        moment = to_utc(now)
        result = await self._connection.execute(
            _REVOKE_LIVE_SESSIONS, {"owner_id": user_id, "now": moment, "new_revoked_at": moment}
        )
        return result.rowcount

    async def prune(self, before: datetime) -> int:
        """One DELETE of the sessions whose idle expiry or revocation is before `before`."""
        return (
            await self._connection.execute(_PRUNE_SESSIONS, {"before": to_utc(before)})
        ).rowcount


def _user_from(row: Row) -> User:
    (user_id, email, password_hash, created_at, is_active, credentials_version, email_verified) = (
        row
    )
    return User(
        id=user_id,
        email=Email(email),
        password_hash=password_hash,
        created_at=as_utc(created_at),
        is_active=is_active,
        credentials_version=credentials_version,
        email_verified=email_verified,
    )


def _session_from(row: Row) -> Session:
    (
        session_id,
        user_id,
        current_token_id,
        previous_token_id,
        rotated_at,
        revoked_at,
        created_at,
        last_used_at,
        expires_at,
        idle_expires_at,
        user_agent,
        credentials_version,
        amr,
    ) = row
    return Session(
        id=session_id,
        user_id=user_id,
        current_token_id=current_token_id,
        created_at=as_utc(created_at),
        last_used_at=as_utc(last_used_at),
        expires_at=as_utc(expires_at),
        idle_expires_at=as_utc(idle_expires_at),
        previous_token_id=previous_token_id,
        rotated_at=as_utc_or_none(rotated_at),
        revoked_at=as_utc_or_none(revoked_at),
        user_agent=user_agent,
        credentials_version=credentials_version,
        amr=parse_auth_methods(amr.split()),
    )
