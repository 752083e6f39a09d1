from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvents
from application.passkeys.ceremonies import CeremonyStarted, PasskeyCeremonies
from application.passkeys.client_limit import reserve_sign_in_step
from application.passkeys.ports import RelyingParty
from application.ports import Overloaded, StoreUnavailable
from application.throttling import LoginThrottle
from domain.passkey import CeremonyPurpose


@dataclass(frozen=True, slots=True)
class StartPasskeySignInCommand:
    client_ip: str | None = None


class StartPasskeySignIn:
    """Options for signing in with any passkey of this relying party. It names no account, so
    it tells nothing about accounts; every request counts toward the client's login limit
    (docs/api.md "Login throttling"), since each one stores a ceremony."""

    def __init__(
        self,
        relying_party: RelyingParty,
        ceremonies: PasskeyCeremonies,
        throttle: LoginThrottle,
        events: SecurityEvents,
    ) -> None:
        self._relying_party = relying_party
        self._ceremonies = ceremonies
        self._throttle = throttle
        self._events = events

    async def execute(self, command: StartPasskeySignInCommand) -> CeremonyStarted:
        """Raise TooManyAttempts past the client's limit, storing nothing."""
        reservation = await reserve_sign_in_step(self._throttle, self._events, command.client_ip)
        try:
            return await self._ceremonies.begin(
                CeremonyPurpose.SIGN_IN, self._relying_party.authentication_options()
            )
        except (StoreUnavailable, Overloaded):
            await reservation.give_back()  # the service failed, not the client
            raise
