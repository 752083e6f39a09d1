"""Beginning and taking passkey ceremonies, the same way for registration and sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.link_ports import LinkTokens
from application.passkeys.ports import CeremonyOptions
from application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from domain.one_time_link import link_token_hash
from domain.passkey import CeremonyPurpose, PasskeyCeremony

PRUNE_BATCH = 100


@dataclass(frozen=True, slots=True)
class CeremonyStarted:
    """What the client gets: the opaque ceremony value, and the options for its authenticator."""

    ceremony: str
    public_key: dict[str, Any]


class PasskeyCeremonies:
    """Keeps a ceremony's challenge server-side, in the database (so any instance can finish
    it), under the SHA-256 of a 256-bit single-use value: the value itself is never stored."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, tokens: LinkTokens, clock: Clock) -> None:
        self._unit_of_work = unit_of_work
        self._tokens = tokens
        self._clock = clock

    async def begin(
        self, purpose: CeremonyPurpose, options: CeremonyOptions, user_id: UUID | None = None
    ) -> CeremonyStarted:
        token = self._tokens.new_link_token()
        now = self._clock.now()
        ceremony = PasskeyCeremony.begin(
            token=token, purpose=purpose, challenge=options.challenge, user_id=user_id, now=now
        )
        async with self._unit_of_work() as uow:
            # Ceremonies that were never finished go here, a batch at a time: sign-in options
            # need no account, so nothing else would ever remove theirs. Each new ceremony
            # removes up to PRUNE_BATCH old ones, so expired rows never pile up.
            await uow.passkey_ceremonies.prune(now, PRUNE_BATCH)
            await uow.passkey_ceremonies.add(ceremony)
            await uow.commit()
        return CeremonyStarted(ceremony=token, public_key=options.public_key)

    async def take(
        self, uow: UnitOfWork, token: str, purpose: CeremonyPurpose
    ) -> PasskeyCeremony | None:
        """The live ceremony `token` names, spent in `uow` (whatever the outcome once `uow`
        commits); None for an unknown, used, expired or other-purpose one alike."""
        ceremony = await uow.passkey_ceremonies.take(link_token_hash(token), purpose)
        if ceremony is None or not ceremony.is_usable(self._clock.now()):
            return None
        return ceremony
