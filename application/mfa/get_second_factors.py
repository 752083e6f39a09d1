from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.mfa.check import enabled_totp
from application.ports import UnitOfWorkFactory
from application.results import Principal


@dataclass(frozen=True, slots=True)
class GetSecondFactorsCommand:
    principal: Principal


@dataclass(frozen=True, slots=True)
class SecondFactors:
    """What protects the account beyond its password; a setup only pending counts as none."""

    totp: bool
    recovery_codes_left: int
    passkeys: int = 0
    """How many passkeys the account has: each signs in without a password or a code."""


class GetSecondFactors:
    """Say whether the signed-in user has TOTP on, how many recovery codes are left, and how
    many passkeys the account has."""

    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    async def execute(self, command: GetSecondFactorsCommand) -> SecondFactors:
        """Raise InvalidToken for a gone or disabled account, or an outdated token."""
        async with self._unit_of_work(read_only=True) as uow:
            user = await account_of(command.principal, uow.users)
            passkeys = len(await uow.passkeys.list_for_user(user.id))
            if await enabled_totp(uow.second_factors, user.id) is None:
                return SecondFactors(totp=False, recovery_codes_left=0, passkeys=passkeys)
            left = await uow.second_factors.count_recovery_codes(user.id)
        return SecondFactors(totp=True, recovery_codes_left=left, passkeys=passkeys)
