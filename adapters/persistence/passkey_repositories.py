"""Passkeys and their ceremonies as SQLAlchemy Core statements over one connection."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select, update
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
from adapters.persistence.tables import UNIQUE_CREDENTIAL_ID, passkey_ceremonies, passkeys
from application.passkeys.ports import PasskeyCeremonyRepository, PasskeyRepository
from domain.errors import PasskeyAlreadyRegistered
from domain.passkey import CeremonyPurpose, Passkey, PasskeyCeremony

_PASSKEY_COLUMNS = tuple(
    passkeys.c[name]
    for name in (
        "id",
        "user_id",
        "credential_id",
        "public_key",
        "sign_count",
        "name",
        "created_at",
        "last_used_at",
    )
)
_INSERT_PASSKEY = insert(passkeys)
_SELECT_PASSKEYS_OF_USER = (
    select(*_PASSKEY_COLUMNS)
    .where(passkeys.c.user_id == bindparam("owner_id"))
    .order_by(passkeys.c.created_at.desc(), passkeys.c.id.desc())
)
_SELECT_PASSKEY_BY_CREDENTIAL = select(*_PASSKEY_COLUMNS).where(
    passkeys.c.credential_id == bindparam("credential")
)
# A compare-and-swap on the counter that was read, as a refresh rotation is on its token.
_SAVE_USE = (
    update(passkeys)
    .where(passkeys.c.id == bindparam("passkey_id"), passkeys.c.sign_count == bindparam("read"))
    .values(sign_count=bindparam("new_sign_count"), last_used_at=bindparam("new_last_used_at"))
)
_DELETE_PASSKEY = delete(passkeys).where(
    passkeys.c.id == bindparam("passkey_id"), passkeys.c.user_id == bindparam("owner_id")
)

_CEREMONY_COLUMNS = tuple(
    passkey_ceremonies.c[name]
    for name in ("token_hash", "purpose", "challenge", "user_id", "expires_at")
)
_INSERT_CEREMONY = insert(passkey_ceremonies)
# Single use as one DELETE ... RETURNING: of concurrent takes, only the one whose DELETE removed
# the row gets it back (PostgreSQL re-checks a row another transaction deleted; SQLite's BEGIN
# IMMEDIATE serializes writers).
_TAKE_CEREMONY = (
    delete(passkey_ceremonies)
    .where(
        passkey_ceremonies.c.token_hash == bindparam("hash"),
        passkey_ceremonies.c.purpose == bindparam("ceremony_purpose"),
    )
    .returning(*_CEREMONY_COLUMNS)
)
# Expired rows in bounded batches, skipping rows another transaction holds (FOR UPDATE SKIP
# LOCKED on PostgreSQL; SQLite serializes writers): concurrent prunes never wait on each other
# nor deadlock, and one request never deletes more than a batch.
_PRUNE_CEREMONIES = delete(passkey_ceremonies).where(
    passkey_ceremonies.c.token_hash.in_(
        select(passkey_ceremonies.c.token_hash)
        .where(passkey_ceremonies.c.expires_at <= bindparam("now"))
        .limit(bindparam("batch"))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
)


class SqlAlchemyPasskeyRepository(PasskeyRepository):
    """Passkeys in `passkeys`; writes join the connection's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, passkey: Passkey) -> None:
        """Insert in a savepoint, so that after PasskeyAlreadyRegistered the transaction is
        still usable on PostgreSQL too."""
        try:
            async with self._connection.begin_nested():
                await self._connection.execute(
                    _INSERT_PASSKEY,
                    {
                        "id": passkey.id,
                        "user_id": passkey.user_id,
                        "credential_id": passkey.credential_id,
                        "public_key": passkey.public_key,
                        "sign_count": passkey.sign_count,
                        "name": passkey.name,
                        "created_at": to_utc(passkey.created_at),
                        "last_used_at": to_utc_or_none(passkey.last_used_at),
                    },
                )
        except IntegrityError as error:
            if violates_unique(error, UNIQUE_CREDENTIAL_ID, "passkeys.credential_id"):
                raise PasskeyAlreadyRegistered from None
            raise

    async def list_for_user(self, user_id: UUID) -> list[Passkey]:
        rows = await self._connection.execute(_SELECT_PASSKEYS_OF_USER, {"owner_id": user_id})
        return [_passkey_from(row) for row in rows]

    async def get_by_credential_id(self, credential_id: bytes) -> Passkey | None:
        result = await self._connection.execute(
            _SELECT_PASSKEY_BY_CREDENTIAL, {"credential": credential_id}
        )
        row = result.first()
        return None if row is None else _passkey_from(row)

    async def save_use(self, passkey: Passkey, read_sign_count: int) -> bool:
        result = await self._connection.execute(
            _SAVE_USE,
            {
                "passkey_id": passkey.id,
                "read": read_sign_count,
                "new_sign_count": passkey.sign_count,
                "new_last_used_at": to_utc_or_none(passkey.last_used_at),
            },
        )
        return result.rowcount == 1

    async def delete(self, user_id: UUID, passkey_id: UUID) -> bool:
        result = await self._connection.execute(
            _DELETE_PASSKEY, {"passkey_id": passkey_id, "owner_id": user_id}
        )
        return result.rowcount == 1


class SqlAlchemyPasskeyCeremonyRepository(PasskeyCeremonyRepository):
    """Ceremonies in `passkey_ceremonies`; writes join the connection's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, ceremony: PasskeyCeremony) -> None:
        await self._connection.execute(
            _INSERT_CEREMONY,
            {
                "token_hash": ceremony.token_hash,
                "purpose": ceremony.purpose.value,
                "challenge": ceremony.challenge,
                "user_id": ceremony.user_id,
                "expires_at": to_utc(ceremony.expires_at),
            },
        )

    async def take(self, token_hash: str, purpose: CeremonyPurpose) -> PasskeyCeremony | None:
        result = await self._connection.execute(
            _TAKE_CEREMONY, {"hash": token_hash, "ceremony_purpose": purpose.value}
        )
        row = result.first()
        if row is None:
            return None
        token_hash, stored_purpose, challenge, user_id, expires_at = row
        return PasskeyCeremony(
            token_hash=token_hash,
            purpose=CeremonyPurpose(stored_purpose),
            challenge=bytes(challenge),
            user_id=user_id,
            expires_at=as_utc(expires_at),
        )

    async def prune(self, now: datetime, limit: int) -> int:
        result = await self._connection.execute(
            _PRUNE_CEREMONIES, {"now": to_utc(now), "batch": limit}
        )
        return result.rowcount


def _passkey_from(row: Row) -> Passkey:
    passkey_id, user_id, credential_id, public_key, sign_count, name, created, last_used = row
    return Passkey(
        id=passkey_id,
        user_id=user_id,
        credential_id=bytes(credential_id),
        public_key=bytes(public_key),
        sign_count=sign_count,
        name=name,
        created_at=as_utc(created),
        last_used_at=as_utc_or_none(last_used),
    )
