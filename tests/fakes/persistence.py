from __future__ import annotations

import copy
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self
from uuid import UUID

from application.ports import UnitOfWork
from domain.email import Email
from domain.errors import EmailAlreadyRegistered
from domain.session import Session
from domain.user import User


@dataclass
class InMemoryStore:
    """What a database would hold: committed rows only."""

    users: dict[UUID, User] = field(default_factory=dict)
    sessions: dict[UUID, Session] = field(default_factory=dict)
    commits: int = 0


class InMemoryUserRepository:
    def __init__(self, store: InMemoryStore, pending: list[object]) -> None:
        self._store = store
        self._pending = pending

    async def add(self, user: User) -> None:
        taken = {u.email for u in self._store.users.values()}
        taken |= {u.email for u in self._pending if isinstance(u, User)}
        if user.email in taken:
            raise EmailAlreadyRegistered
        self._pending.append(copy.deepcopy(user))

    async def get(self, user_id: UUID) -> User | None:
        return copy.deepcopy(self._store.users.get(user_id))

    async def get_by_email(self, email: Email) -> User | None:
        found = next((u for u in self._store.users.values() if u.email == email), None)
        return copy.deepcopy(found)

    async def update(self, user: User) -> None:
        self._pending.append(copy.deepcopy(user))


class InMemorySessionRepository:
    def __init__(self, store: InMemoryStore, pending: list[object]) -> None:
        self._store = store
        self._pending = pending

    async def add(self, session: Session) -> None:
        if session.user_id not in self._store.users and not any(
            isinstance(u, User) and u.id == session.user_id for u in self._pending
        ):
            raise LookupError("foreign key: no such user")
        self._pending.append(copy.deepcopy(session))

    async def get(self, session_id: UUID) -> Session | None:
        return copy.deepcopy(self._store.sessions.get(session_id))

    async def save_rotation(self, session: Session, expected_token_id: str) -> bool:
        stored = self._store.sessions.get(session.id)
        if stored is None or stored.revoked_at is not None:
            return False
        if stored.current_token_id != expected_token_id:
            return False
        self._pending.append(copy.deepcopy(session))
        return True

    async def save_revocation(self, session: Session) -> None:
        self._pending.append(copy.deepcopy(session))


class InMemoryUnitOfWork(UnitOfWork):
    """Buffers writes until commit, like a transaction; leaving without commit drops them."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._pending: list[object] = []
        self.users = InMemoryUserRepository(store, self._pending)
        self.sessions = InMemorySessionRepository(store, self._pending)

    async def __aenter__(self) -> Self:
        self._pending.clear()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._pending.clear()

    async def commit(self) -> None:
        for row in self._pending:
            if isinstance(row, User):
                self._store.users[row.id] = row
            elif isinstance(row, Session):
                self._store.sessions[row.id] = row
        self._pending.clear()
        self._store.commits += 1
