"""In-memory stand-ins for the ports that behave like the real adapters.

tests/integration/persistence/test_repository_contract.py runs the same contract against these
and the SQLAlchemy adapters; when they disagree, these change.

Every read hands control to the event loop once it has its rows (`_yield_after_reading`), as a
database round trip does: requests run with `asyncio.gather` interleave between reading and
writing, so a use case that trusts what it read without a compare-and-swap fails its tests.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from types import TracebackType
from typing import Self
from uuid import UUID

from application.ports import SessionRepository, StoreUnavailable, UnitOfWork, UserRepository
from domain.email import Email
from domain.errors import EmailAlreadyRegistered
from domain.session import Session
from domain.user import User
from tests.fakes.lifecycle import (
    InMemoryLinkRepository,
    InMemoryOutboxRepository,
    InMemoryResetRequestRepository,
    LifecycleRows,
)
from tests.fakes.passkeys import (
    InMemoryPasskeyCeremonyRepository,
    InMemoryPasskeyRepository,
    PasskeyRows,
)
from tests.fakes.second_factor import (
    InMemoryMfaChallengeRepository,
    InMemorySecondFactorRepository,
    SecondFactorRows,
)


@dataclass
class InMemoryStore:
    """What a database would hold: committed rows only. `down = True` is an outage: every unit
    of work raises StoreUnavailable on entry, like the adapter when the database does not answer."""

    users: dict[UUID, User] = field(default_factory=dict)
    sessions: dict[UUID, Session] = field(default_factory=dict)
    lifecycle: LifecycleRows = field(default_factory=LifecycleRows)
    passkeys: PasskeyRows = field(default_factory=PasskeyRows)
    second_factors: SecondFactorRows = field(default_factory=SecondFactorRows)
    commits: int = 0
    down: bool = False


@dataclass
class _Changes:
    """One unit of work's written rows: visible to it at once, to others after commit."""

    users: dict[UUID, User] = field(default_factory=dict)
    sessions: dict[UUID, Session] = field(default_factory=dict)
    deleted_sessions: set[UUID] = field(default_factory=set)
    deleted_users: set[UUID] = field(default_factory=set)

    def clear(self) -> None:
        self.users.clear()
        self.sessions.clear()
        self.deleted_sessions.clear()
        self.deleted_users.clear()


async def _yield_after_reading() -> None:
    await asyncio.sleep(0)


def _find_user(store: InMemoryStore, changes: _Changes, user_id: UUID) -> User | None:
    if user_id in changes.deleted_users:
        return None
    return changes.users.get(user_id, store.users.get(user_id))


def _visible_users(store: InMemoryStore, changes: _Changes) -> list[User]:
    merged = {**store.users, **changes.users}
    return [user for user_id, user in merged.items() if user_id not in changes.deleted_users]


class InMemoryUserRepository(UserRepository):
    def __init__(self, store: InMemoryStore, changes: _Changes) -> None:
        self._store = store
        self._changes = changes

    async def add(self, user: User) -> None:
        visible = _visible_users(self._store, self._changes)
        if any(other.email == user.email for other in visible):
            raise EmailAlreadyRegistered
        self._changes.users[user.id] = copy.deepcopy(user)

    async def get(self, user_id: UUID) -> User | None:
        found = copy.deepcopy(_find_user(self._store, self._changes, user_id))
        await _yield_after_reading()
        return found

    async def get_by_email(self, email: Email) -> User | None:
        visible = _visible_users(self._store, self._changes)
        found = copy.deepcopy(next((user for user in visible if user.email == email), None))
        await _yield_after_reading()
        return found

    async def save_password_hash(self, user: User) -> None:
        # Like the UPDATE: the hash, the version counted up from the stored one, and an
        # unknown user changes nothing.
        stored = _find_user(self._store, self._changes, user.id)
        if stored is None:
            return
        changed = copy.deepcopy(stored)
        changed.password_hash = user.password_hash
        changed.credentials_version = stored.credentials_version + 1
        self._changes.users[user.id] = changed

    async def save_upgraded_password_hash(self, user: User) -> None:
        stored = _find_user(self._store, self._changes, user.id)
        if stored is None or stored.credentials_version != user.credentials_version:
            return
        changed = copy.deepcopy(stored)
        changed.password_hash = user.password_hash
        self._changes.users[user.id] = changed

    async def save_credentials_change(self, user: User) -> None:
        stored = _find_user(self._store, self._changes, user.id)
        if stored is None:
            return
        changed = copy.deepcopy(stored)
        changed.credentials_version = stored.credentials_version + 1
        self._changes.users[user.id] = changed

    async def save_active(self, user: User) -> None:
        stored = _find_user(self._store, self._changes, user.id)
        if stored is None or stored.is_active == user.is_active:
            return
        changed = copy.deepcopy(stored)
        changed.is_active = user.is_active
        changed.credentials_version = stored.credentials_version + 1
        self._changes.users[user.id] = changed

    async def save_email_verified(self, user: User) -> None:
        stored = _find_user(self._store, self._changes, user.id)
        if stored is None:
            return
        changed = copy.deepcopy(stored)
        changed.email_verified = user.email_verified
        self._changes.users[user.id] = changed

    async def delete(self, user_id: UUID) -> bool:
        # Like the DELETE with its ON DELETE CASCADE foreign keys: the user's sessions go too
        # (links and outbox rows cascade in InMemoryUnitOfWork.commit).
        if _find_user(self._store, self._changes, user_id) is None:
            return False
        self._changes.users.pop(user_id, None)
        self._changes.deleted_users.add(user_id)
        for session_id in {*self._store.sessions, *self._changes.sessions}:
            session = self._changes.sessions.get(session_id, self._store.sessions.get(session_id))
            if session is not None and session.user_id == user_id:
                self._changes.sessions.pop(session_id, None)
                self._changes.deleted_sessions.add(session_id)
        return True


class InMemorySessionRepository(SessionRepository):
    def __init__(self, store: InMemoryStore, changes: _Changes) -> None:
        self._store = store
        self._changes = changes

    def _find(self, session_id: UUID) -> Session | None:
        if session_id in self._changes.deleted_sessions:
            return None
        return self._changes.sessions.get(session_id, self._store.sessions.get(session_id))

    def _visible(self) -> list[Session]:
        ids = {*self._store.sessions, *self._changes.sessions} - self._changes.deleted_sessions
        return [session for session_id in ids if (session := self._find(session_id))]

    async def add(self, session: Session) -> None:
        if _find_user(self._store, self._changes, session.user_id) is None:
            raise LookupError("foreign key: no such user")
        self._changes.deleted_sessions.discard(session.id)
        self._changes.sessions[session.id] = copy.deepcopy(session)

    async def get(self, session_id: UUID) -> Session | None:
        found = copy.deepcopy(self._find(session_id))
        await _yield_after_reading()
        return found

    async def get_with_owner(self, session_id: UUID) -> tuple[Session, User] | None:
        session = self._find(session_id)
        owner = None if session is None else _find_user(self._store, self._changes, session.user_id)
        found = None
        if session is not None and owner is not None:  # the foreign key keeps the owner there
            found = copy.deepcopy(session), copy.deepcopy(owner)
        await _yield_after_reading()
        return found

    async def save_rotation(self, session: Session, expected_token_id: str) -> bool:
        # Like the compare-and-swap UPDATE: the rotation columns only, and only while the row
        # this unit of work sees is unrevoked and still holds the expected token.
        stored = self._find(session.id)
        if stored is None or stored.revoked_at is not None:
            return False
        if stored.current_token_id != expected_token_id:
            return False
        changed = copy.deepcopy(stored)
        changed.current_token_id = session.current_token_id
        changed.previous_token_id = session.previous_token_id
        changed.rotated_at = session.rotated_at
        changed.last_used_at = session.last_used_at
        changed.idle_expires_at = session.idle_expires_at
        self._changes.sessions[session.id] = changed
        return True

    async def save_revocation(self, session: Session) -> None:
        # Only `revoked_at`, so a rotation stored meanwhile survives; the first revocation wins.
        stored = self._find(session.id)
        if stored is None or stored.revoked_at is not None:
            return
        changed = copy.deepcopy(stored)
        changed.revoked_at = session.revoked_at
        self._changes.sessions[session.id] = changed

    async def list_live(self, user_id: UUID, now: datetime) -> list[Session]:
        live = [s for s in self._visible() if s.user_id == user_id and s.is_live(now)]
        live.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        return copy.deepcopy(live)

    async def count_live(self, owner: User, now: datetime) -> int:
        live = await self.list_live(owner.id, now)
        return sum(1 for s in live if not s.predates_credentials_of(owner))

    async def revoke_all(self, user_id: UUID, now: datetime) -> int:
        revoked = 0
        for stored in self._visible():
            if stored.user_id == user_id and stored.is_live(now):
                changed = copy.deepcopy(stored)
                changed.revoke(now)
                self._changes.sessions[changed.id] = changed
                revoked += 1
        return revoked

    async def prune(self, before: datetime) -> int:
        # Like the DELETE: by the idle expiry (never after the absolute one) or the revocation.
        dead = [
            s.id
            for s in self._visible()
            if s.idle_expires_at < before or (s.revoked_at is not None and s.revoked_at < before)
        ]
        for session_id in dead:
            self._changes.sessions.pop(session_id, None)
            self._changes.deleted_sessions.add(session_id)
        return len(dead)


class InMemoryUnitOfWork(UnitOfWork):
    """Buffers writes until commit, like a transaction; leaving without commit drops them."""

    def __init__(self, store: InMemoryStore, *, read_only: bool = False) -> None:
        self._store = store
        self._read_only = read_only
        self._changes = _Changes()
        self.users = InMemoryUserRepository(store, self._changes)
        self.sessions = InMemorySessionRepository(store, self._changes)
        exists = partial(_find_user, store, self._changes)
        self.links = InMemoryLinkRepository(store.lifecycle, lambda user_id: bool(exists(user_id)))
        self.outbox = InMemoryOutboxRepository(
            store.lifecycle, lambda user_id: bool(exists(user_id))
        )
        self.reset_requests = InMemoryResetRequestRepository(store.lifecycle)
        self.passkeys = InMemoryPasskeyRepository(
            store.passkeys, lambda user_id: bool(exists(user_id))
        )
        self.passkey_ceremonies = InMemoryPasskeyCeremonyRepository(
            store.passkeys, lambda user_id: bool(exists(user_id))
        )
        self.second_factors = InMemorySecondFactorRepository(
            store.second_factors, lambda user_id: bool(exists(user_id))
        )
        self.mfa_challenges = InMemoryMfaChallengeRepository(
            store.second_factors, lambda user_id: bool(exists(user_id))
        )

    async def __aenter__(self) -> Self:
        if self._store.down:
            raise StoreUnavailable("the fake database is down")
        self._clear()
        return self

    def _clear(self) -> None:
        self._changes.clear()
        self.links.changes.clear()
        self.outbox.changes.clear()
        self.reset_requests.changes.clear()
        self.passkeys.changes.clear()
        self.passkey_ceremonies.clear()
        self.second_factors.clear()
        self.mfa_challenges.clear()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._clear()

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._store.users.update(self._changes.users)
        self._store.sessions.update(self._changes.sessions)
        for session_id in self._changes.deleted_sessions:
            self._store.sessions.pop(session_id, None)
        self.links.commit()
        self.outbox.commit()
        self.reset_requests.commit()
        self.passkeys.commit()
        self.passkey_ceremonies.commit()
        self.second_factors.commit()
        self.mfa_challenges.commit()
        for user_id in self._changes.deleted_users:  # ON DELETE CASCADE
            self._store.users.pop(user_id, None)
            rows = self._store.lifecycle
            rows.links = {k: v for k, v in rows.links.items() if v.user_id != user_id}
            rows.outbox = {k: v for k, v in rows.outbox.items() if v.entry.user_id != user_id}
            self._store.passkeys.forget_user(user_id)
            self._store.second_factors.delete_user(user_id)
        self._clear()
        self._store.commits += 1
