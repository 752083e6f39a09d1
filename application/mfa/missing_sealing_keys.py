"""Finds TOTP secrets sealed under keys no longer configured: checked before serving, so a
dropped key is the operator's clear refusal at start-up, not a failure at each sign-in."""

from __future__ import annotations

from dataclasses import dataclass

from application.mfa.ports import SecretBox
from application.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class FindMissingSealingKeysCommand:
    pass


@dataclass(frozen=True, slots=True)
class MissingSealingKeys:
    """Each key id the box lacks, with how many accounts' secrets it sealed, by kid."""

    accounts_by_kid: tuple[tuple[str, int], ...]

    @property
    def accounts(self) -> int:
        return sum(count for _, count in self.accounts_by_kid)


class FindMissingSealingKeys:
    """One query: the factors counted by the kid that sealed them, less the kids the box holds."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, box: SecretBox) -> None:
        self._unit_of_work = unit_of_work
        self._box = box

    async def execute(self, command: FindMissingSealingKeysCommand) -> MissingSealingKeys:
        async with self._unit_of_work(read_only=True) as uow:
            counts = await uow.second_factors.count_totp_by_kid()
        missing = sorted((kid, n) for kid, n in counts.items() if not self._box.holds(kid))
        return MissingSealingKeys(tuple(missing))
