"""The RelyingParty port over py_webauthn, through its public functions only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    options_to_json_dict,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from adapters.webauthn.credential_shape import check_shape, is_base64url
from application.passkeys.ports import (
    Assertion,
    CeremonyOptions,
    CredentialJson,
    NewCredential,
    RelyingParty,
)
from domain.errors import MalformedPasskeyCredential, PasskeyRejected, PasskeySignInFailed
from domain.passkey import CEREMONY_TTL, Passkey
from domain.user import User

# Hostile bytes inside valid base64url (a clientDataJSON that is not UTF-8, CBOR of the wrong
# types) reach py_webauthn's decoders, which then raise more than its own WebAuthnException
# (UnicodeDecodeError, ValueError, KeyError...). Whatever they raise, the answer is a refusal,
# never a 500: so the verify calls catch every Exception ("hostile input" below), and keep none
# of its text.
_TIMEOUT_MS = int(CEREMONY_TTL.total_seconds() * 1000)  # a hint to the browser: the ceremony's life


@dataclass(frozen=True, slots=True)
class RelyingPartyIdentity:
    """Who the relying party is: `rp_id` (a domain, WebAuthn L3's "RP ID"), its name shown by
    authenticators, and the exact origins a ceremony may come from."""

    rp_id: str
    name: str
    origins: tuple[str, ...]


class PyWebAuthnRelyingParty(RelyingParty):
    """Options and verification for passkeys: discoverable credentials, user verification
    required, attestation `none` (the service trusts no authenticator model over another)."""

    def __init__(self, identity: RelyingPartyIdentity) -> None:
        self._identity = identity

    def registration_options(self, user: User, exclude: Sequence[bytes]) -> CeremonyOptions:
        options = generate_registration_options(
            rp_id=self._identity.rp_id,
            rp_name=self._identity.name,
            # The user handle is the account's id: no personal data (WebAuthn L3 section 14.6.1),
            # and a sign-in's handle names the key's owner.
            user_id=user.id.bytes,
            user_name=user.email.value,
            timeout=_TIMEOUT_MS,
            attestation=AttestationConveyancePreference.NONE,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            exclude_credentials=[PublicKeyCredentialDescriptor(id=known) for known in exclude],
        )
        return CeremonyOptions(options.challenge, options_to_json_dict(options))

    def read_registration(self, credential: CredentialJson) -> CredentialJson:
        check_shape(credential, ("clientDataJSON", "attestationObject"))
        try:
            parse_registration_credential_json(dict(credential))
        except WebAuthnException:
            raise MalformedPasskeyCredential("the credential is not a registration") from None
        return credential

    def verify_registration(self, credential: CredentialJson, challenge: bytes) -> NewCredential:
        try:
            verified = verify_registration_response(
                credential=dict(credential),
                expected_challenge=challenge,
                expected_rp_id=self._identity.rp_id,
                expected_origin=list(self._identity.origins),
                require_user_verification=True,
            )
        except Exception:  # hostile input
            # The library's message may quote what the client sent; the reason stays generic.
            raise PasskeyRejected("not_verified") from None
        return NewCredential(
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
        )

    def authentication_options(self) -> CeremonyOptions:
        options = generate_authentication_options(
            rp_id=self._identity.rp_id,
            timeout=_TIMEOUT_MS,
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        public_key = options_to_json_dict(options)
        # Discoverable credentials: the authenticator offers the accounts it holds, and the
        # options name none (an empty list means the same; the contract says "no member").
        public_key.pop("allowCredentials", None)
        return CeremonyOptions(options.challenge, public_key)

    def read_assertion(self, credential: CredentialJson) -> Assertion:
        check_shape(credential, ("clientDataJSON", "authenticatorData", "signature"))
        user_handle = credential["response"].get("userHandle")
        if user_handle is not None and not is_base64url(user_handle):
            raise MalformedPasskeyCredential("response.userHandle must be base64url or null")
        try:
            parsed = parse_authentication_credential_json(dict(credential))
        except WebAuthnException:
            raise MalformedPasskeyCredential("the credential is not an assertion") from None
        return Assertion(
            credential_id=parsed.raw_id,
            user_handle=None if user_handle is None else base64url_to_bytes(user_handle),
            credential=credential,
        )

    def verify_assertion(self, assertion: Assertion, challenge: bytes, passkey: Passkey) -> int:
        try:
            verified = verify_authentication_response(
                credential=dict(assertion.credential),
                expected_challenge=challenge,
                expected_rp_id=self._identity.rp_id,
                expected_origin=list(self._identity.origins),
                credential_public_key=passkey.public_key,
                # 0 turns the library's counter check off: the use case applies the counter
                # rule after the signature, so a regression it logs is a genuine assertion.
                credential_current_sign_count=0,
                require_user_verification=True,
            )
        except Exception:  # hostile input
            raise PasskeySignInFailed("not_verified") from None
        return verified.new_sign_count
