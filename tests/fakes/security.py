from __future__ import annotations

import asyncio
import hmac
import itertools
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from application.events import SecurityEvent, SecurityEventKind
from application.ports import Clock, IdGenerator, Overloaded, PasswordHasher, TokenCodec
from domain.errors import InvalidToken
from domain.tokens import Claims, TokenType


class FakePasswordHasher(PasswordHasher):
    """Instant and obviously fake, but salted and versioned like argon2's encoded hashes.

    `overloaded = True` makes every hash and check raise Overloaded, like the real one when no
    thread is free within its deadline. `yields = True` hands control to the event loop before
    each check, like the real one on its thread pool, so concurrent logins really interleave.
    """

    def __init__(self, version: int = 1, *, yields: bool = False) -> None:
        self.version = version
        self.verifications = 0
        self.overloaded = False
        self.yields = yields

    async def _start(self) -> None:
        if self.overloaded:
            raise Overloaded("the fake hasher is busy")
        if self.yields:
            await asyncio.sleep(0)

    async def hash(self, password: str) -> str:
        await self._start()
        salt = secrets.token_hex(4)
        return f"fake${self.version}${salt}${salt}{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        await self._start()
        self.verifications += 1
        try:
            _, _, salt, salted = password_hash.split("$", 3)
        except ValueError:
            return False
        return hmac.compare_digest(salted.encode(), f"{salt}{password}".encode())

    async def imitate_verify(self, password: str) -> None:
        await self._start()
        self.verifications += 1

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"fake${self.version}$")


@dataclass
class FakeTokenCodec(TokenCodec):
    """Hands out random handles for claims it keeps; checks type and expiry like the real one."""

    clock: Clock
    issued: dict[str, Claims] = field(default_factory=dict)

    def encode(self, claims: Claims) -> str:
        token = f"{claims.type}.{secrets.token_urlsafe(16)}"
        self.issued[token] = claims
        return token

    def decode(self, token: str, expected: TokenType) -> Claims:
        claims = self.issued.get(token)
        if claims is None or claims.type is not expected:
            raise InvalidToken("unknown token")
        if self.clock.now() >= claims.expires_at:
            raise InvalidToken("expired")
        return claims


@dataclass
class FixedClock(Clock):
    """Time stands still until a test moves it."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 27, 12, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class SequentialIds(IdGenerator):
    """Predictable ids so tests can name what they expect."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> UUID:
        return uuid.UUID(int=next(self._counter))

    def new_token_id(self) -> str:
        return f"jti-{next(self._counter)}"


class RecordingSecurityEvents:
    """Keeps every event, in order, for tests to read."""

    def __init__(self) -> None:
        self.events: list[SecurityEvent] = []

    def record(self, event: SecurityEvent) -> None:
        self.events.append(event)

    def kinds(self) -> list[SecurityEventKind]:
        return [event.kind for event in self.events]


class IgnoredSecurityEvents:
    """For a test about something else: every event is dropped."""

    def record(self, event: SecurityEvent) -> None:
        del event
