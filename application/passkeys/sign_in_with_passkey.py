from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.passkeys.ceremonies import PasskeyCeremonies
from application.passkeys.client_limit import reserve_sign_in_step
from application.passkeys.ports import Assertion, CredentialJson, RelyingParty
from application.ports import Clock, Overloaded, StoreUnavailable, UnitOfWork, UnitOfWorkFactory
from application.results import AuthResult
from application.throttling import LoginThrottle
from application.token_issuer import TokenIssuer
from domain.auth_methods import PASSKEY
from domain.errors import (
    AccountDisabled,
    EmailUnverified,
    InvalidCredentials,
    PasskeySignInFailed,
)
from domain.passkey import CeremonyPurpose, Passkey
from domain.session import Session
from domain.user import User


@dataclass(frozen=True, slots=True)
class SignInWithPasskeyCommand:
    ceremony: str
    credential: CredentialJson
    user_agent: str | None = None
    client_ip: str | None = None


class SignInWithPasskey:
    """Verify an authenticator's assertion and start a session signed in with a passkey: a key
    the user holds and unlocked (user verification), so multi-factor, never asked for TOTP."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        relying_party: RelyingParty,
        ceremonies: PasskeyCeremonies,
        issuer: TokenIssuer,
        clock: Clock,
        events: SecurityEvents,
        throttle: LoginThrottle,
        require_verified_email: bool = False,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._relying_party = relying_party
        self._ceremonies = ceremonies
        self._issuer = issuer
        self._clock = clock
        self._events = events
        self._throttle = throttle
        self._require_verified_email = require_verified_email

    async def execute(self, command: SignInWithPasskeyCommand) -> AuthResult:
        """Raise MalformedPasskeyCredential before counting anything; then TooManyAttempts,
        PasskeySignInFailed (an unknown credential, a bad signature, a wrong origin, a used or
        expired ceremony, a counter gone backwards alike), AccountDisabled or EmailUnverified.
        A failure counts toward the client's login limit and spends the ceremony."""
        assertion = self._relying_party.read_assertion(command.credential)
        reservation = await reserve_sign_in_step(self._throttle, self._events, command.client_ip)
        try:
            async with self._unit_of_work() as uow:
                ceremony = await self._ceremonies.take(
                    uow, command.ceremony, CeremonyPurpose.SIGN_IN
                )
                passkey = await uow.passkeys.get_by_credential_id(assertion.credential_id)
                owner = None if passkey is None else await uow.users.get(passkey.user_id)
                try:
                    if ceremony is None or passkey is None or owner is None:
                        raise PasskeySignInFailed("ceremony" if ceremony is None else "unknown")
                    reported = self._verify(assertion, ceremony.challenge, passkey, owner)
                    session = await self._start(uow, passkey, owner, reported, command)
                except (InvalidCredentials, AccountDisabled, EmailUnverified) as refused:
                    await uow.commit()  # the ceremony stays spent
                    self._failed(command, owner, refused)
                    raise
                await uow.commit()
        except (StoreUnavailable, Overloaded):
            await reservation.give_back()  # the service failed, not the client
            raise
        await reservation.succeeded()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.PASSKEY_SIGN_IN_SUCCEEDED,
                user_id=owner.id,
                session_id=session.id,
                client_ip=command.client_ip,
            )
        )
        return AuthResult(user=owner, tokens=self._issuer.tokens_for(session, self._clock.now()))

    def _verify(self, assertion: Assertion, challenge: bytes, passkey: Passkey, owner: User) -> int:
        """The counter the assertion reported, once it verified and its account may sign in."""
        # WebAuthn L3 section 7.2 (verifying an assertion): a user handle, when sent, must
        # name the key's owner.
        if assertion.user_handle is not None and assertion.user_handle != owner.id.bytes:
            raise PasskeySignInFailed("user_handle")
        reported = self._relying_party.verify_assertion(assertion, challenge, passkey)
        # Only after the signature: a regression is then a genuine assertion, maybe from a clone.
        if passkey.counter_went_backwards(reported):
            self._events.record(
                SecurityEvent(SecurityEventKind.PASSKEY_COUNTER_REGRESSED, user_id=owner.id)
            )
            raise PasskeySignInFailed("counter")
        owner.ensure_may_sign_in(self._require_verified_email)
        return reported

    async def _start(
        self,
        uow: UnitOfWork,
        passkey: Passkey,
        owner: User,
        reported: int,
        command: SignInWithPasskeyCommand,
    ) -> Session:
        now = self._clock.now()
        read_count = passkey.sign_count
        passkey.record_use(reported, now)
        if not await uow.passkeys.save_use(passkey, read_count):
            raise PasskeySignInFailed("concurrent_use")  # another use moved the counter first
        session = self._issuer.start_session(owner, now, command.user_agent, amr=PASSKEY)
        await uow.sessions.add(session)
        return session

    def _failed(
        self, command: SignInWithPasskeyCommand, owner: User | None, refused: Exception
    ) -> None:
        self._events.record(
            SecurityEvent(
                SecurityEventKind.PASSKEY_SIGN_IN_FAILED,
                user_id=None if owner is None else owner.id,
                client_ip=command.client_ip,
                reason=_reason(refused),
            )
        )


def _reason(refused: Exception) -> str:
    match refused:
        case PasskeySignInFailed(reason=reason):
            return reason
        case AccountDisabled() | EmailUnverified():
            return refused.reason
    return "invalid_credentials"
