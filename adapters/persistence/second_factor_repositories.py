"""TOTP factors, recovery codes and sign-in challenges as SQLAlchemy Core statements.

Every single-use rule is one conditional UPDATE or DELETE (a compare-and-set): on PostgreSQL a
concurrent write of the same row waits for the first to commit, then re-checks its condition;
on SQLite BEGIN IMMEDIATE serializes the writers. Either way exactly one of racing writers wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, func, insert, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.columns import Row, as_utc, as_utc_or_none, to_utc
from adapters.persistence.tables import mfa_challenges, recovery_codes, totp_factors
from application.mfa.ports import MfaChallengeRepository, SecondFactorRepository
from domain.second_factor import (
    MAX_WRONG_CODES_PER_CHALLENGE,
    MfaChallenge,
    SealedSecret,
    TotpFactor,
)

_OWNER = totp_factors.c.user_id == bindparam("owner_id")
_SELECT_TOTP = select(
    totp_factors.c.user_id,
    totp_factors.c.secret_kid,
    totp_factors.c.secret_ciphertext,
    totp_factors.c.created_at,
    totp_factors.c.confirmed_at,
    totp_factors.c.last_used_step,
).where(_OWNER)
_DELETE_PENDING_TOTP = delete(totp_factors).where(_OWNER, totp_factors.c.confirmed_at.is_(None))
_INSERT_TOTP = insert(totp_factors)
_CONFIRM_TOTP = (
    update(totp_factors)
    .where(_OWNER, totp_factors.c.confirmed_at.is_(None))
    .values(confirmed_at=bindparam("moment"), last_used_step=bindparam("step"))
)
_USE_TOTP_STEP = (
    update(totp_factors)
    .where(
        _OWNER,
        totp_factors.c.confirmed_at.is_not(None),
        or_(
            totp_factors.c.last_used_step.is_(None),
            totp_factors.c.last_used_step < bindparam("step"),
        ),
    )
    .values(last_used_step=bindparam("step"))
)
_DELETE_TOTP = delete(totp_factors).where(_OWNER)
_CODES_OF_OWNER = recovery_codes.c.user_id == bindparam("owner_id")
_DELETE_CODES = delete(recovery_codes).where(_CODES_OF_OWNER)
_INSERT_CODE = insert(recovery_codes)
_USE_CODE = delete(recovery_codes).where(
    _CODES_OF_OWNER, recovery_codes.c.code_hash == bindparam("hash")
)
_COUNT_CODES = select(func.count()).select_from(recovery_codes).where(_CODES_OF_OWNER)

_CHALLENGE_COLUMNS = tuple(
    mfa_challenges.c[name]
    for name in (
        "token_hash",
        "user_id",
        "credentials_version",
        "created_at",
        "expires_at",
        "failures",
        "used_at",
    )
)
_THE_CHALLENGE = mfa_challenges.c.token_hash == bindparam("hash")
_INSERT_CHALLENGE = insert(mfa_challenges)
_SELECT_CHALLENGE = select(*_CHALLENGE_COLUMNS).where(_THE_CHALLENGE)
_COUNT_FAILURE = (
    update(mfa_challenges)
    .where(_THE_CHALLENGE)
    .values(failures=mfa_challenges.c.failures + literal_column("1"))
)
# Live as in MfaChallenge.is_live.
_CONSUME_CHALLENGE = (
    update(mfa_challenges)
    .where(
        _THE_CHALLENGE,
        mfa_challenges.c.used_at.is_(None),
        mfa_challenges.c.expires_at > bindparam("now"),
        mfa_challenges.c.failures < MAX_WRONG_CODES_PER_CHALLENGE,
    )
    .values(used_at=bindparam("now"))
)
_PRUNE_CHALLENGES = delete(mfa_challenges).where(mfa_challenges.c.expires_at < bindparam("before"))


class SqlAlchemySecondFactorRepository(SecondFactorRepository):
    """TOTP factors in `totp_factors`, recovery codes in `recovery_codes`."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get_totp(self, user_id: UUID) -> TotpFactor | None:
        row = (await self._connection.execute(_SELECT_TOTP, {"owner_id": user_id})).first()
        return None if row is None else _factor_from(row)

    async def save_pending_totp(self, factor: TotpFactor) -> None:
        """Delete the pending factor, then insert: an IntegrityError propagates when the account
        has a confirmed factor (the primary key) or does not exist (the foreign key)."""
        await self._connection.execute(_DELETE_PENDING_TOTP, {"owner_id": factor.user_id})
        await self._connection.execute(
            _INSERT_TOTP,
            {
                "user_id": factor.user_id,
                "secret_kid": factor.secret.kid,
                "secret_ciphertext": factor.secret.ciphertext,
                "created_at": to_utc(factor.created_at),
                "confirmed_at": None,
                "last_used_step": None,
            },
        )

    async def confirm_totp(self, user_id: UUID, step: int, now: datetime) -> bool:
        params = {"owner_id": user_id, "step": step, "moment": to_utc(now)}
        return (await self._connection.execute(_CONFIRM_TOTP, params)).rowcount == 1

    async def use_totp_step(self, user_id: UUID, step: int) -> bool:
        params = {"owner_id": user_id, "step": step}
        return (await self._connection.execute(_USE_TOTP_STEP, params)).rowcount == 1

    async def remove_totp(self, user_id: UUID) -> bool:
        await self._connection.execute(_DELETE_CODES, {"owner_id": user_id})
        return (await self._connection.execute(_DELETE_TOTP, {"owner_id": user_id})).rowcount == 1

    async def replace_recovery_codes(self, user_id: UUID, code_hashes: Sequence[str]) -> None:
        await self._connection.execute(_DELETE_CODES, {"owner_id": user_id})
        if code_hashes:
            await self._connection.execute(
                _INSERT_CODE, [{"user_id": user_id, "code_hash": h} for h in code_hashes]
            )

    async def use_recovery_code(self, user_id: UUID, code_hash: str) -> bool:
        params = {"owner_id": user_id, "hash": code_hash}
        return (await self._connection.execute(_USE_CODE, params)).rowcount == 1

    async def count_recovery_codes(self, user_id: UUID) -> int:
        result = await self._connection.execute(_COUNT_CODES, {"owner_id": user_id})
        return int(result.scalar_one())


class SqlAlchemyMfaChallengeRepository(MfaChallengeRepository):
    """Sign-in challenges in `mfa_challenges`, by the SHA-256 of their token."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, challenge: MfaChallenge) -> None:
        await self._connection.execute(
            _INSERT_CHALLENGE,
            {
                "token_hash": challenge.token_hash,
                "user_id": challenge.user_id,
                "credentials_version": challenge.credentials_version,
                "created_at": to_utc(challenge.created_at),
                "expires_at": to_utc(challenge.expires_at),
                "failures": challenge.failures,
                "used_at": None if challenge.used_at is None else to_utc(challenge.used_at),
            },
        )

    async def get(self, token_hash: str) -> MfaChallenge | None:
        row = (await self._connection.execute(_SELECT_CHALLENGE, {"hash": token_hash})).first()
        return None if row is None else _challenge_from(row)

    async def count_failure(self, token_hash: str) -> None:
        await self._connection.execute(_COUNT_FAILURE, {"hash": token_hash})

    async def consume(self, token_hash: str, now: datetime) -> bool:
        params = {"hash": token_hash, "now": to_utc(now)}
        return (await self._connection.execute(_CONSUME_CHALLENGE, params)).rowcount == 1

    async def prune(self, before: datetime) -> int:
        return (
            await self._connection.execute(_PRUNE_CHALLENGES, {"before": to_utc(before)})
        ).rowcount


def _factor_from(row: Row) -> TotpFactor:
    user_id, kid, ciphertext, created_at, confirmed_at, last_used_step = row
    return TotpFactor(
        user_id=user_id,
        secret=SealedSecret(kid=kid, ciphertext=bytes(ciphertext)),
        created_at=as_utc(created_at),
        confirmed_at=as_utc_or_none(confirmed_at),
        last_used_step=last_used_step,
    )


def _challenge_from(row: Row) -> MfaChallenge:
    token_hash, user_id, credentials_version, created_at, expires_at, failures, used_at = row
    return MfaChallenge(
        token_hash=token_hash,
        user_id=user_id,
        credentials_version=credentials_version,
        created_at=as_utc(created_at),
        expires_at=as_utc(expires_at),
        failures=failures,
        used_at=as_utc_or_none(used_at),
    )
