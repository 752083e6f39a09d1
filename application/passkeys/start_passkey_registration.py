from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.passkeys.ceremonies import CeremonyStarted, PasskeyCeremonies
from application.passkeys.ports import RelyingParty
from application.ports import UnitOfWorkFactory
from application.reauthentication import Reauthentication
from application.results import Principal
from domain.passkey import CeremonyPurpose
from domain.second_factor import SecondFactorAnswer
from domain.user import User


@dataclass(frozen=True, slots=True)
class StartPasskeyRegistrationCommand:
    principal: Principal
    password: str
    code: str | None = None
    recovery_code: str | None = None
    client_ip: str | None = None


class StartPasskeyRegistration:
    """Options for adding a passkey to the caller's account, once the caller proved again who
    they are: a stolen access token alone cannot add a sign-in method (docs/api.md "Passkey
    registration needs the password")."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        reauthentication: Reauthentication,
        relying_party: RelyingParty,
        ceremonies: PasskeyCeremonies,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._reauthentication = reauthentication
        self._relying_party = relying_party
        self._ceremonies = ceremonies

    async def execute(self, command: StartPasskeyRegistrationCommand) -> CeremonyStarted:
        """Raise InvalidToken (account gone, disabled or changed), TooManyAttempts or
        WrongCurrentPassword (a wrong password, or on an account with TOTP a missing or wrong
        code); nothing is stored then."""
        async with self._unit_of_work(read_only=True) as uow:
            user = await account_of(command.principal, uow.users)
            existing = await uow.passkeys.list_for_user(user.id)
        await self._confirm_identity(user, command)
        # The account's credentials are excluded, so an authenticator holding one says so
        # instead of making a second (WebAuthn L3 section 5.4, excludeCredentials).
        options = self._relying_party.registration_options(
            user, [passkey.credential_id for passkey in existing]
        )
        return await self._ceremonies.begin(CeremonyPurpose.REGISTER, options, user.id)

    async def _confirm_identity(self, user: User, command: StartPasskeyRegistrationCommand) -> None:
        """The password, and on an account with TOTP exactly one of `code` and `recovery_code`,
        throttled as a login of the account (docs/api.md "Where a code is asked for")."""
        await self._reauthentication.confirm(
            user,
            command.password,
            command.client_ip,
            "passkey_registration",
            SecondFactorAnswer(code=command.code, recovery_code=command.recovery_code),
        )
