"""In-memory passkeys and passkey ceremonies that behave like the SQLAlchemy adapters.

tests/integration/persistence/test_passkey_contract.py holds them to the adapters' behaviour.
The repositories buffer their writes like a transaction; InMemoryUnitOfWork commits or drops
them. Reads hand control to the event loop, as a database round trip does (tests/fakes/
persistence.py says why).
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from application.passkeys.ports import PasskeyCeremonyRepository, PasskeyRepository
from domain.errors import PasskeyAlreadyRegistered
from domain.passkey import CeremonyPurpose, Passkey, PasskeyCeremony
from tests.fakes.lifecycle import UserExists


@dataclass
class PasskeyRows:
    """Committed passkeys and ceremonies; one per store."""

    passkeys: dict[UUID, Passkey] = field(default_factory=dict)
    ceremonies: dict[str, PasskeyCeremony] = field(default_factory=dict)
    held: set[str] = field(default_factory=set)
    """Ceremonies an open unit of work has taken: like the DELETE's row lock, another unit of
    work's take of one finds nothing (the first's commit would leave it nothing to find)."""

    def forget_user(self, user_id: UUID) -> None:
        """ON DELETE CASCADE."""
        self.passkeys = {k: v for k, v in self.passkeys.items() if v.user_id != user_id}
        self.ceremonies = {k: v for k, v in self.ceremonies.items() if v.user_id != user_id}


class InMemoryPasskeyRepository(PasskeyRepository):
    def __init__(self, rows: PasskeyRows, user_exists: UserExists) -> None:
        self._rows = rows
        self._user_exists = user_exists
        self.changes: dict[UUID, Passkey | None] = {}

    def _visible(self) -> list[Passkey]:
        merged: dict[UUID, Passkey | None] = {**self._rows.passkeys, **self.changes}
        return [passkey for passkey in merged.values() if passkey is not None]

    def commit(self) -> None:
        for passkey_id, passkey in self.changes.items():
            if passkey is None:
                self._rows.passkeys.pop(passkey_id, None)
            else:
                self._rows.passkeys[passkey_id] = passkey
        self.changes.clear()

    async def add(self, passkey: Passkey) -> None:
        if not self._user_exists(passkey.user_id):
            raise LookupError("foreign key: no such user")
        if any(other.credential_id == passkey.credential_id for other in self._visible()):
            raise PasskeyAlreadyRegistered
        self.changes[passkey.id] = copy.deepcopy(passkey)

    async def list_for_user(self, user_id: UUID) -> list[Passkey]:
        mine = [passkey for passkey in self._visible() if passkey.user_id == user_id]
        mine.sort(key=lambda passkey: (passkey.created_at, passkey.id), reverse=True)
        await asyncio.sleep(0)  # a round trip: concurrent requests interleave here
        return copy.deepcopy(mine)

    async def get_by_credential_id(self, credential_id: bytes) -> Passkey | None:
        found = next((p for p in self._visible() if p.credential_id == credential_id), None)
        await asyncio.sleep(0)  # a round trip: concurrent requests interleave here
        return copy.deepcopy(found)

    async def save_use(self, passkey: Passkey, read_sign_count: int) -> bool:
        stored = next((p for p in self._visible() if p.id == passkey.id), None)
        if stored is None or stored.sign_count != read_sign_count:
            return False
        changed = copy.deepcopy(stored)
        changed.sign_count = passkey.sign_count
        changed.last_used_at = passkey.last_used_at
        self.changes[passkey.id] = changed
        return True

    async def delete(self, user_id: UUID, passkey_id: UUID) -> bool:
        stored = next((p for p in self._visible() if p.id == passkey_id), None)
        if stored is None or stored.user_id != user_id:
            return False
        self.changes[passkey_id] = None
        return True


class InMemoryPasskeyCeremonyRepository(PasskeyCeremonyRepository):
    def __init__(self, rows: PasskeyRows, user_exists: UserExists) -> None:
        self._rows = rows
        self._user_exists = user_exists
        self.changes: dict[str, PasskeyCeremony | None] = {}
        self._holding: set[str] = set()

    def clear(self) -> None:
        """Drop the buffered writes and let go of the ceremonies held (the end of a unit of
        work)."""
        self._rows.held -= self._holding
        self._holding.clear()
        self.changes.clear()

    def _hold(self, token_hash: str) -> None:
        self._rows.held.add(token_hash)
        self._holding.add(token_hash)
        self.changes[token_hash] = None

    def _visible(self) -> dict[str, PasskeyCeremony]:
        merged: dict[str, PasskeyCeremony | None] = {**self._rows.ceremonies, **self.changes}
        return {key: ceremony for key, ceremony in merged.items() if ceremony is not None}

    def commit(self) -> None:
        for token_hash, ceremony in self.changes.items():
            if ceremony is None:
                self._rows.ceremonies.pop(token_hash, None)
            else:
                self._rows.ceremonies[token_hash] = ceremony
        self.clear()

    async def add(self, ceremony: PasskeyCeremony) -> None:
        if ceremony.user_id is not None and not self._user_exists(ceremony.user_id):
            raise LookupError("foreign key: no such user")
        if ceremony.token_hash in self._visible():
            raise LookupError("primary key: token hash taken")
        self.changes[ceremony.token_hash] = copy.deepcopy(ceremony)

    async def take(self, token_hash: str, purpose: CeremonyPurpose) -> PasskeyCeremony | None:
        found = self._visible().get(token_hash)
        if found is None or found.purpose is not purpose or token_hash in self._rows.held:
            return None
        self._hold(token_hash)
        await asyncio.sleep(0)  # a round trip: concurrent requests interleave here
        return copy.deepcopy(found)

    async def prune(self, now: datetime, limit: int) -> int:
        # Like FOR UPDATE SKIP LOCKED: ceremonies another unit of work holds are left alone.
        expired = [
            key
            for key, c in self._visible().items()
            if c.expires_at <= now and key not in self._rows.held
        ][:limit]
        for token_hash in expired:
            self._hold(token_hash)
        return len(expired)
