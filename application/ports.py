"""What the use cases need from the world, stated as contracts; adapters fulfil them."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from application.link_ports import OneTimeLinkRepository, ResetRequestRepository
from application.mail_ports import OutboxRepository
from application.mfa.ports import MfaChallengeRepository, SecondFactorRepository
from application.passkeys.ports import PasskeyCeremonyRepository, PasskeyRepository
from domain.email import Email
from domain.session import Session
from domain.tokens import Claims, TokenType
from domain.user import User


class UserRepository(Protocol):
    """Accounts by id and by email. Writes join the unit of work; nothing here commits."""

    async def add(self, user: User) -> None:
        """Store a new user; raise EmailAlreadyRegistered when the email is taken."""
        ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def get_by_email(self, email: Email) -> User | None: ...

    async def save_password_hash(self, user: User) -> None:
        """Store the user's new password hash: a credential change, so the stored credentials
        version goes up by one (counted in the store: concurrent changes each count)."""
        ...

    async def save_upgraded_password_hash(self, user: User) -> None:
        """Store a fresh hash of the same password: no credential change. Stores nothing when
        the stored credentials version is no longer `user.credentials_version`."""
        ...

    async def save_credentials_change(self, user: User) -> None:
        """Count a credential change that stores nothing else (a sign-out everywhere): the
        stored credentials version goes up by one (counted in the store, as for a new password).
        An unknown user changes nothing."""
        ...

    async def save_active(self, user: User) -> None:
        """Store whether the user is active; a change of it is a credential change (the stored
        credentials version goes up by one), saving the stored state again changes nothing."""
        ...

    async def save_email_verified(self, user: User) -> None:
        """Store whether the user's email is verified, and nothing else of the user."""
        ...

    async def delete(self, user_id: UUID) -> bool:
        """Delete the user and, with it, their sessions and passkeys; False when there was no
        such user."""
        ...


class SessionRepository(Protocol):
    """Refresh sessions by id. Writes join the unit of work; nothing here commits."""

    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: UUID) -> Session | None: ...

    async def get_with_owner(self, session_id: UUID) -> tuple[Session, User] | None:
        """The session and the account it belongs to, read together (one query where it can)."""
        ...

    async def save_rotation(self, session: Session, expected_token_id: str) -> bool:
        """Store a rotation only if the stored current token is still `expected_token_id`.

        A compare-and-swap: of two concurrent rotations of one token, on any number of
        processes sharing the database, exactly one returns True. One that returns False has
        waited for the winner: a read after it in the same unit of work sees the winner's write.
        """
        ...

    async def save_revocation(self, session: Session) -> None:
        """Store the session's `revoked_at`."""
        ...

    async def list_live(self, user_id: UUID, now: datetime) -> list[Session]:
        """The user's sessions neither revoked nor expired at `now`, newest `created_at` first."""
        ...

    async def count_live(self, owner: User, now: datetime) -> int:
        """How many of `list_live(owner.id, now)` the owner's current credentials signed in
        (none that `Session.predates_credentials_of(owner)`), counted without loading them."""
        ...

    async def revoke_all(self, user_id: UUID, now: datetime) -> int:
        """Revoke, at `now`, every session of the user that is live at `now`; return how many."""
        ...

    async def prune(self, before: datetime) -> int:
        """Delete the sessions that expired or were revoked before `before`; return how many."""
        ...


class UnitOfWork(Protocol):
    """The repositories of one transaction; `commit` keeps what they wrote so far."""

    users: UserRepository
    sessions: SessionRepository
    links: OneTimeLinkRepository
    reset_requests: ResetRequestRepository
    outbox: OutboxRepository
    passkeys: PasskeyRepository
    passkey_ceremonies: PasskeyCeremonyRepository
    second_factors: SecondFactorRepository
    mfa_challenges: MfaChallengeRepository

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work: `async with unit_of_work() as uow:` begins a transaction, leaving
    without `commit` undoes what was not committed. Use cases open one per transaction they need.

    Raises StoreUnavailable, from any step, when the store refused, dropped or did not answer
    in time. `read_only=True` asks for one that only reads: it cannot commit.
    """

    def __call__(self, *, read_only: bool = False) -> AbstractAsyncContextManager[UnitOfWork]: ...


class PasswordHasher(Protocol):
    """Slow, salted password hashing. Async because it must never block the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """True when `password` matches; False for a mismatch or an unreadable hash."""
        ...

    async def imitate_verify(self, password: str) -> None:
        """Spend the time a verify would, for a login whose email has no account."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the hasher's current ones."""
        ...


class TokenCodec(Protocol):
    """Claims to an opaque signed and encrypted token, and back.

    `decode` raises InvalidToken for anything but an intact, unexpired token of the expected
    type, made with a key the codec still holds.
    """

    def encode(self, claims: Claims) -> str: ...

    def decode(self, token: str, expected: TokenType) -> Claims: ...


class Clock(Protocol):
    """The current time, timezone-aware in UTC."""

    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    """Fresh unguessable identifiers."""

    def new_id(self) -> UUID: ...

    def new_token_id(self) -> str: ...


class HealthProbe(Protocol):
    """Whether the service's backing stores answer; never raises."""

    async def is_healthy(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Attempts:
    """A key's attempts in its current window, and whole seconds (at least 1) until it ends.

    No window open: `count` 0 and `retry_after` 0.
    """

    count: int
    retry_after: int


class AttemptCounter(Protocol):
    """Attempts per key in fixed windows, seen alike by every instance sharing the backing store.

    `hit` counts one attempt atomically (concurrent hits never return the same count) and opens a
    window of `window` on a key's first hit; when the window ends, the key's count is back to 0.
    `release` takes one hit back atomically, within the key's current window and never below 0;
    a key it brings to 0 has no window open any more, and a key without one is left alone.
    Every method raises AttemptCounterUnavailable when the backing store does not answer.
    """

    async def hit(self, key: str, window: timedelta) -> Attempts: ...

    async def release(self, key: str) -> None: ...

    async def peek(self, key: str) -> Attempts: ...

    async def reset(self, key: str) -> None: ...


class StoreUnavailable(Exception):
    """A backing store refused, dropped or did not answer in time (the bound is the adapter's).

    Adapters raise it in place of their driver's errors, so the application never learns them.
    What the action had begun is undone; the edge answers 503 with Retry-After, and the same
    process serves again once the store is back.
    """


class AttemptCounterUnavailable(StoreUnavailable):
    """The attempt counter's store does not answer; throttled actions fail closed (503)."""


class Overloaded(Exception):
    """Slow work (password hashing) could not start within its deadline: the service is past its
    capacity. Nothing was done; the edge answers 503 with Retry-After, as for an outage."""
