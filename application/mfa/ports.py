"""What the second factor needs from the world: its storage, its secrets' sealing, RFC 6238."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.second_factor import MfaChallenge, SealedSecret, TotpFactor


class SecondFactorRepository(Protocol):
    """Each account's TOTP factor and recovery-code hashes. Writes join the unit of work;
    nothing here commits. The compare-and-set writes return whether they changed anything: of
    concurrent ones, on any number of processes sharing the store, exactly one does."""

    async def get_totp(self, user_id: UUID) -> TotpFactor | None: ...

    async def save_pending_totp(self, factor: TotpFactor) -> None:
        """Store a pending (unconfirmed) factor in place of the account's pending one, if any;
        the account must have no confirmed one, and must exist."""
        ...

    async def confirm_totp(self, user_id: UUID, step: int, now: datetime) -> bool:
        """Confirm the pending factor at `now`, its code of time step `step` used; False when
        no factor of the account is pending."""
        ...

    async def use_totp_step(self, user_id: UUID, step: int) -> bool:
        """Record `step` as the last accepted one if it is later than the stored one, on a
        confirmed factor; False otherwise (a replayed code, or no confirmed factor)."""
        ...

    async def remove_totp(self, user_id: UUID) -> bool:
        """Delete the account's factor, pending or confirmed, and its recovery codes; False when
        there was no factor."""
        ...

    async def replace_recovery_codes(self, user_id: UUID, code_hashes: Sequence[str]) -> None:
        """Store these hashes as the account's only recovery codes."""
        ...

    async def use_recovery_code(self, user_id: UUID, code_hash: str) -> bool:
        """Spend the account's code with this hash; False when it has no such unspent code."""
        ...

    async def count_recovery_codes(self, user_id: UUID) -> int: ...


class MfaChallengeRepository(Protocol):
    """Sign-in challenges by token hash. Writes join the unit of work; nothing here commits."""

    async def add(self, challenge: MfaChallenge) -> None:
        """Store a new challenge; its user must exist."""
        ...

    async def get(self, token_hash: str) -> MfaChallenge | None:
        """The challenge with this hash, whatever its state."""
        ...

    async def count_failure(self, token_hash: str) -> None:
        """One more wrong code for the challenge, counted in the store (each concurrent one)."""
        ...

    async def consume(self, token_hash: str, now: datetime) -> bool:
        """Mark the challenge used at `now` if it is live then (compare-and-set); else False."""
        ...

    async def prune(self, before: datetime) -> int:
        """Delete the challenges that expired before `before`; return how many."""
        ...


class SecretBox(Protocol):
    """Seals TOTP secrets for storage, bound to their account: a sealed secret opens only for
    the account it was sealed for, with a key the box still holds."""

    def seal(self, user_id: UUID, secret: str) -> SealedSecret: ...

    def open(self, user_id: UUID, sealed: SealedSecret) -> str:
        """Raise ValueError when the secret cannot be opened (an unknown kid, tampering)."""
        ...


class TotpAlgorithm(Protocol):
    """RFC 6238 with the contract's parameters: SHA-1, 6 digits, 30-second steps."""

    def new_secret(self) -> str:
        """A fresh secret of 160 random bits, in base32."""
        ...

    def provisioning_uri(self, secret: str, account_name: str) -> str:
        """The `otpauth://totp/<issuer>:<account>?secret=...&issuer=<issuer>` URI."""
        ...

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time step, of `at`'s and one either side, whose code is `code`; else None."""
        ...


class RecoveryCodeSource(Protocol):
    """Fresh recovery codes of at least 50 random bits each, as shown to the user."""

    def new_code(self) -> str: ...
