"""Steps for tests of the second factor: codes at a moment, TOTP turned on through the use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp

from application.mfa.confirm_totp import ConfirmTotpCommand
from application.mfa.set_up_totp import SetUpTotpCommand
from application.results import AuthResult
from tests.builders import PASSWORD, World

STEP = timedelta(seconds=30)


def code_at(secret: str, moment: datetime, steps: int = 0) -> str:
    """The TOTP code of `secret` for `moment`'s time step, moved by `steps` steps."""
    return pyotp.TOTP(secret).at(moment + steps * STEP)


@dataclass(frozen=True, slots=True)
class EnabledTotp:
    secret: str
    recovery_codes: list[str]


async def enable_totp(world: World, signed: AuthResult, password: str = PASSWORD) -> EnabledTotp:
    """Set up and confirm TOTP for the account `signed` belongs to; the clock then moves one
    step on, so the confirming code is not the next one a test uses."""
    principal = world.principal_of(signed)
    setup = await world.set_up_totp.execute(SetUpTotpCommand(principal, password))
    codes = await world.confirm_totp.execute(
        ConfirmTotpCommand(principal, code_at(setup.secret, world.clock.now()))
    )
    world.clock.advance(seconds=30)
    return EnabledTotp(setup.secret, codes)
