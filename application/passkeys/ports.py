"""What passkeys need from the world: their storage, their ceremonies' storage, and a WebAuthn
relying party that makes options and verifies what authenticators answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.passkey import CeremonyPurpose, Passkey, PasskeyCeremony
from domain.user import User

CredentialJson = Mapping[str, Any]
"""A credential as the client sent it: what `PublicKeyCredential.toJSON()` returns, decoded."""


class PasskeyRepository(Protocol):
    """Passkeys by owner and by credential id. Writes join the unit of work; nothing here
    commits."""

    async def add(self, passkey: Passkey) -> None:
        """Store a new passkey; raise PasskeyAlreadyRegistered when its credential id is taken
        (by any account). The unit of work stays usable after that error."""
        ...

    async def list_for_user(self, user_id: UUID) -> list[Passkey]:
        """The user's passkeys, newest `created_at` first (then by id)."""
        ...

    async def get_by_credential_id(self, credential_id: bytes) -> Passkey | None: ...

    async def save_use(self, passkey: Passkey, read_sign_count: int) -> bool:
        """Store the passkey's `sign_count` and `last_used_at` only if the stored counter is
        still `read_sign_count`: of two concurrent uses read at one counter, exactly one stores
        (a compare-and-swap, as for a refresh rotation)."""
        ...

    async def delete(self, user_id: UUID, passkey_id: UUID) -> bool:
        """Delete the user's passkey; False when the user has no passkey with that id."""
        ...


class PasskeyCeremonyRepository(Protocol):
    """Ceremonies by the hash of their token. Writes join the unit of work; nothing here
    commits."""

    async def add(self, ceremony: PasskeyCeremony) -> None: ...

    async def take(self, token_hash: str, purpose: CeremonyPurpose) -> PasskeyCeremony | None:
        """Remove the ceremony with this hash and purpose and return it (expired or not); None
        when there is none. Of concurrent takes of one ceremony, on any number of processes
        sharing the store, exactly one gets it."""
        ...

    async def prune(self, now: datetime, limit: int) -> int:
        """Delete up to `limit` of the ceremonies expired at `now`, skipping any another
        transaction holds; return how many."""
        ...


@dataclass(frozen=True, slots=True)
class CeremonyOptions:
    """What an authenticator is asked: the challenge to keep, and the options as WebAuthn's JSON
    form (`PublicKeyCredentialCreationOptionsJSON` or `...RequestOptionsJSON`)."""

    challenge: bytes
    public_key: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewCredential:
    """A verified registration: what to keep of the new credential."""

    credential_id: bytes
    public_key: bytes
    sign_count: int


@dataclass(frozen=True, slots=True)
class Assertion:
    """A sign-in's credential, read but not verified: which credential it names, and for which
    account (the user handle, when the authenticator sent one)."""

    credential_id: bytes
    user_handle: bytes | None
    credential: CredentialJson


class RelyingParty(Protocol):
    """The WebAuthn relying party (its RP ID and allowed origins are the adapter's).

    The `read_*` methods check a credential's shape only and raise MalformedPasskeyCredential;
    `verify_registration` raises PasskeyRejected and `verify_assertion` PasskeySignInFailed
    for anything that does not verify, user verification missing included.
    """

    def registration_options(self, user: User, exclude: Sequence[bytes]) -> CeremonyOptions:
        """Options asking for a discoverable credential with user verification, attestation
        `none`, none of the `exclude` credential ids."""
        ...

    def read_registration(self, credential: CredentialJson) -> CredentialJson: ...

    def verify_registration(
        self, credential: CredentialJson, challenge: bytes
    ) -> NewCredential: ...

    def authentication_options(self) -> CeremonyOptions:
        """Options for a discoverable credential (no allowCredentials), user verification
        required."""
        ...

    def read_assertion(self, credential: CredentialJson) -> Assertion: ...

    def verify_assertion(self, assertion: Assertion, challenge: bytes, passkey: Passkey) -> int:
        """Check the assertion's signature with the passkey's key; return the counter the
        authenticator reported (the caller applies the counter rule)."""
        ...
