from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.mfa.check import SecondFactorCheck
from application.mfa.ports import SecretBox, TotpAlgorithm
from application.ports import Clock, UnitOfWorkFactory
from application.reauthentication import Reauthentication
from application.results import Principal
from domain.errors import MfaAlreadyEnabled
from domain.second_factor import TotpFactor


@dataclass(frozen=True, slots=True)
class SetUpTotpCommand:
    principal: Principal
    password: str
    client_ip: str | None = None


@dataclass(frozen=True, slots=True)
class TotpSetup:
    """The new secret, shown this once: base32 and as an `otpauth://` URI."""

    secret: str
    otpauth_uri: str


class SetUpTotp:
    """Start TOTP for the signed-in user: a fresh secret, pending until a code confirms it.

    A new setup replaces a pending one. The password is asked first, so a stolen access token
    alone cannot bind the account to an attacker's authenticator.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        totp: TotpAlgorithm,
        box: SecretBox,
        clock: Clock,
        second_factor: SecondFactorCheck,
        reauthentication: Reauthentication,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._totp = totp
        self._box = box
        self._clock = clock
        self._second_factor = second_factor
        self._reauthentication = reauthentication

    async def execute(self, command: SetUpTotpCommand) -> TotpSetup:
        """Raise InvalidToken, MfaAlreadyEnabled, TooManyAttempts or WrongCurrentPassword."""
        async with self._unit_of_work(read_only=True) as uow:
            user = await account_of(command.principal, uow.users)
        if await self._second_factor.enabled_factor(user.id) is not None:
            raise MfaAlreadyEnabled
        await self._reauthentication.confirm(
            user, command.password, command.client_ip, "totp_setup"
        )
        secret = self._totp.new_secret()
        factor = TotpFactor(
            user_id=user.id, secret=self._box.seal(user.id, secret), created_at=self._clock.now()
        )
        async with self._unit_of_work() as uow:
            await account_of(command.principal, uow.users)
            stored = await uow.second_factors.get_totp(user.id)
            if stored is not None and stored.enabled:
                raise MfaAlreadyEnabled  # confirmed by a concurrent request meanwhile
            await uow.second_factors.save_pending_totp(factor)
            await uow.commit()
        return TotpSetup(secret, self._totp.provisioning_uri(secret, user.email.value))
