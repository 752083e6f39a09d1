"""Checks a TOTP or recovery code against an account's confirmed factor, and spends it."""

from __future__ import annotations

from uuid import UUID

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.mfa.ports import SecondFactorRepository, SecretBox, TotpAlgorithm
from application.ports import Clock, UnitOfWorkFactory
from domain.second_factor import SecondFactorAnswer, TotpFactor, recovery_code_hash, totp_code


async def enabled_totp(factors: SecondFactorRepository, user_id: UUID) -> TotpFactor | None:
    """The account's confirmed TOTP factor; None without one (or with one only pending)."""
    factor = await factors.get_totp(user_id)
    return factor if factor is not None and factor.enabled else None


class SecondFactorCheck:
    """One code, checked and spent: a TOTP code is accepted at most once (its time step and
    every earlier one are refused from then on, RFC 6238 section 5.2), a recovery code once.

    Spending is a compare-and-set in the store, so of two requests racing with one code only one
    gets it accepted. Throttling is the caller's: it counts the attempt before asking.

    A secret sealed under an older key is sealed again under the current one when its code is
    accepted, in the same transaction: a key rotation drains the old kid as users sign in. One
    sealed under a key no longer configured raises SealingKeyMissing (the edge answers 503).
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        totp: TotpAlgorithm,
        box: SecretBox,
        clock: Clock,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._totp = totp
        self._box = box
        self._clock = clock
        self._events = events

    async def enabled_factor(self, user_id: UUID) -> TotpFactor | None:
        """The account's confirmed TOTP factor; None without one (or with one only pending)."""
        async with self._unit_of_work(read_only=True) as uow:
            return await enabled_totp(uow.second_factors, user_id)

    def code_step(self, factor: TotpFactor, code: str) -> int | None:
        """The time step `code` is right for and not yet used, else None (no store touched)."""
        digits = totp_code(code)
        if digits is None:
            return None
        secret = self._box.open(factor.user_id, factor.secret)
        step = self._totp.matching_step(secret, digits, self._clock.now())
        return step if step is not None and factor.accepts_step(step) else None

    async def spend(self, factor: TotpFactor, answer: SecondFactorAnswer) -> bool:
        """True when `answer` holds exactly one factor, right, and it is now spent."""
        if not answer.is_one:
            return False
        if answer.code is not None:
            step = self.code_step(factor, answer.code)
            if step is None:
                return False
            async with self._unit_of_work() as uow:
                accepted = await uow.second_factors.use_totp_step(factor.user_id, step)
                if accepted:
                    await self.reseal_if_old(uow.second_factors, factor)
                await uow.commit()
            return accepted
        if answer.recovery_code is None:
            return False
        async with self._unit_of_work() as uow:
            code_hash = recovery_code_hash(factor.user_id, answer.recovery_code)
            accepted = await uow.second_factors.use_recovery_code(factor.user_id, code_hash)
            await uow.commit()
        if accepted:
            self._events.record(
                SecurityEvent(SecurityEventKind.RECOVERY_CODE_USED, user_id=factor.user_id)
            )
        return accepted

    async def reseal_if_old(self, factors: SecondFactorRepository, factor: TotpFactor) -> None:
        """Store the factor's secret sealed under the current key, if an older one sealed it;
        a write of the caller's transaction."""
        if self._box.is_current(factor.secret):
            return
        secret = self._box.open(factor.user_id, factor.secret)
        resealed = self._box.seal(factor.user_id, secret)
        await factors.reseal_totp(factor.user_id, factor.secret, resealed)
