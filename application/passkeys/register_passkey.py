from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.passkeys.ceremonies import PasskeyCeremonies
from application.passkeys.ports import CredentialJson, RelyingParty
from application.ports import Clock, IdGenerator, UnitOfWorkFactory
from application.results import Principal
from domain.errors import PasskeyRejected
from domain.passkey import CeremonyPurpose, Passkey, PasskeyCeremony, passkey_name
from domain.user import User


@dataclass(frozen=True, slots=True)
class RegisterPasskeyCommand:
    principal: Principal
    ceremony: str
    credential: CredentialJson
    name: str | None = None


class RegisterPasskey:
    """Verify an authenticator's answer to the registration options and keep the new passkey."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        relying_party: RelyingParty,
        ceremonies: PasskeyCeremonies,
        clock: Clock,
        ids: IdGenerator,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._relying_party = relying_party
        self._ceremonies = ceremonies
        self._clock = clock
        self._ids = ids
        self._events = events

    async def execute(self, command: RegisterPasskeyCommand) -> Passkey:
        """Raise InvalidValue (the name) or MalformedPasskeyCredential before anything is
        touched; InvalidToken; PasskeyRejected for an unknown, used, expired or other
        account's ceremony, an answer that does not verify, or a credential already registered.
        A ceremony is spent by its first use, whatever the outcome (WebAuthn L3 section 13.4.3:
        a challenge is good for one ceremony)."""
        name = passkey_name(command.name)
        credential = self._relying_party.read_registration(command.credential)
        async with self._unit_of_work() as uow:
            user = await account_of(command.principal, uow.users)
            ceremony = await self._ceremonies.take(uow, command.ceremony, CeremonyPurpose.REGISTER)
            try:
                passkey = self._verified(user, ceremony, credential, name)
                await uow.passkeys.add(passkey)
            except PasskeyRejected as rejected:
                await uow.commit()  # the ceremony stays spent
                self._record(SecurityEventKind.PASSKEY_REJECTED, user, rejected.reason)
                raise
            await uow.commit()
        self._record(SecurityEventKind.PASSKEY_REGISTERED, user)
        return passkey

    def _verified(
        self,
        user: User,
        ceremony: PasskeyCeremony | None,
        credential: CredentialJson,
        name: str,
    ) -> Passkey:
        if ceremony is None or ceremony.user_id != user.id:
            raise PasskeyRejected("ceremony")
        new = self._relying_party.verify_registration(credential, ceremony.challenge)
        return Passkey(
            id=self._ids.new_id(),
            user_id=user.id,
            credential_id=new.credential_id,
            public_key=new.public_key,
            sign_count=new.sign_count,
            name=name,
            created_at=self._clock.now(),
        )

    def _record(self, kind: SecurityEventKind, user: User, reason: str | None = None) -> None:
        self._events.record(SecurityEvent(kind, user_id=user.id, reason=reason))
