"""In-memory second factors and sign-in challenges, and a secret box without cryptography.

Reads hand control to the event loop, as a database round trip does (tests/fakes/persistence.py
says why). The repositories buffer their writes like a transaction; InMemoryUnitOfWork commits or
drops them. tests/integration/persistence/test_second_factor_contract.py holds them to the
SQLAlchemy adapters' behaviour.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from application.mfa.ports import MfaChallengeRepository, SecondFactorRepository, SecretBox
from domain.second_factor import MfaChallenge, SealedSecret, TotpFactor

UserExists = Callable[[UUID], bool]


@dataclass
class SecondFactorRows:
    """Committed factors, recovery-code hashes and challenges; one per store."""

    totp: dict[UUID, TotpFactor] = field(default_factory=dict)
    codes: dict[UUID, frozenset[str]] = field(default_factory=dict)
    challenges: dict[str, MfaChallenge] = field(default_factory=dict)

    def delete_user(self, user_id: UUID) -> None:
        """ON DELETE CASCADE."""
        self.totp.pop(user_id, None)
        self.codes.pop(user_id, None)
        self.challenges = {k: c for k, c in self.challenges.items() if c.user_id != user_id}


class InMemorySecondFactorRepository(SecondFactorRepository):
    def __init__(self, rows: SecondFactorRows, user_exists: UserExists) -> None:
        self._rows = rows
        self._user_exists = user_exists
        self.totp: dict[UUID, TotpFactor | None] = {}
        self.codes: dict[UUID, frozenset[str]] = {}

    def _factor(self, user_id: UUID) -> TotpFactor | None:
        return self.totp[user_id] if user_id in self.totp else self._rows.totp.get(user_id)

    def _codes(self, user_id: UUID) -> frozenset[str]:
        return self.codes.get(user_id, self._rows.codes.get(user_id, frozenset()))

    def clear(self) -> None:
        self.totp.clear()
        self.codes.clear()

    def commit(self) -> None:
        for user_id, factor in self.totp.items():
            if factor is None:
                self._rows.totp.pop(user_id, None)
            else:
                self._rows.totp[user_id] = factor
        self._rows.codes.update(self.codes)
        self.clear()

    async def get_totp(self, user_id: UUID) -> TotpFactor | None:
        found = self._factor(user_id)
        await asyncio.sleep(0)  # a round trip: concurrent requests interleave here
        return found

    async def save_pending_totp(self, factor: TotpFactor) -> None:
        stored = self._factor(factor.user_id)
        if not self._user_exists(factor.user_id):
            raise LookupError("foreign key: no such user")
        if stored is not None and stored.enabled:
            raise LookupError("primary key: the account has a confirmed factor")
        self.totp[factor.user_id] = replace(factor, confirmed_at=None, last_used_step=None)

    async def confirm_totp(self, user_id: UUID, step: int, now: datetime) -> bool:
        stored = self._factor(user_id)
        if stored is None or stored.enabled:
            return False
        self.totp[user_id] = replace(stored, confirmed_at=now, last_used_step=step)
        return True

    async def use_totp_step(self, user_id: UUID, step: int) -> bool:
        stored = self._factor(user_id)
        if stored is None or not stored.enabled or not stored.accepts_step(step):
            return False
        self.totp[user_id] = replace(stored, last_used_step=step)
        return True

    async def remove_totp(self, user_id: UUID) -> bool:
        existed = self._factor(user_id) is not None
        self.totp[user_id] = None
        self.codes[user_id] = frozenset()
        return existed

    async def replace_recovery_codes(self, user_id: UUID, code_hashes: Sequence[str]) -> None:
        self.codes[user_id] = frozenset(code_hashes)

    async def use_recovery_code(self, user_id: UUID, code_hash: str) -> bool:
        codes = self._codes(user_id)
        if code_hash not in codes:
            return False
        self.codes[user_id] = codes - {code_hash}
        return True

    async def count_recovery_codes(self, user_id: UUID) -> int:
        return len(self._codes(user_id))


class InMemoryMfaChallengeRepository(MfaChallengeRepository):
    def __init__(self, rows: SecondFactorRows, user_exists: UserExists) -> None:
        self._rows = rows
        self._user_exists = user_exists
        self.changes: dict[str, MfaChallenge | None] = {}

    def _find(self, token_hash: str) -> MfaChallenge | None:
        if token_hash in self.changes:
            return self.changes[token_hash]
        return self._rows.challenges.get(token_hash)

    def clear(self) -> None:
        self.changes.clear()

    def commit(self) -> None:
        for token_hash, challenge in self.changes.items():
            if challenge is None:
                self._rows.challenges.pop(token_hash, None)
            else:
                self._rows.challenges[token_hash] = challenge
        self.clear()

    async def add(self, challenge: MfaChallenge) -> None:
        if not self._user_exists(challenge.user_id):
            raise LookupError("foreign key: no such user")
        if self._find(challenge.token_hash) is not None:
            raise LookupError("primary key: a challenge with this token exists")
        self.changes[challenge.token_hash] = challenge

    async def get(self, token_hash: str) -> MfaChallenge | None:
        found = self._find(token_hash)
        await asyncio.sleep(0)  # a round trip: concurrent requests interleave here
        return found

    async def count_failure(self, token_hash: str) -> None:
        stored = self._find(token_hash)
        if stored is not None:
            self.changes[token_hash] = replace(stored, failures=stored.failures + 1)

    async def consume(self, token_hash: str, now: datetime) -> bool:
        stored = self._find(token_hash)
        if stored is None or not stored.is_live(now):
            return False
        self.changes[token_hash] = replace(stored, used_at=now)
        return True

    async def prune(self, before: datetime) -> int:
        dead = [
            c.token_hash
            for c in [*self._rows.challenges.values(), *self.changes.values()]
            if c is not None and c.expires_at < before
        ]
        for token_hash in set(dead):
            self.changes[token_hash] = None
        return len(set(dead))


class FakeSecretBox(SecretBox):
    """Seals by encoding, bound to the account and kid like the real box; no cryptography."""

    def __init__(self, kid: str = "fake-kid") -> None:
        self.kid = kid

    def seal(self, user_id: UUID, secret: str) -> SealedSecret:
        return SealedSecret(self.kid, base64.b64encode(f"{user_id}:{secret}".encode()))

    def open(self, user_id: UUID, sealed: SealedSecret) -> str:
        owner, _, secret = base64.b64decode(sealed.ciphertext).decode().partition(":")
        if sealed.kid != self.kid or owner != str(user_id):
            raise ValueError("the secret does not open")
        return secret
