"""The JSON shapes of the API (msgspec), separate from the domain objects they present."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec

from application.list_sessions import LiveSession
from application.passkeys.ceremonies import CeremonyStarted
from application.results import AuthResult
from domain.auth_methods import AuthMethod
from domain.passkey import Passkey
from domain.user import User


class Credentials(msgspec.Struct):
    email: str
    password: str


class UserBody(msgspec.Struct):
    id: UUID
    email: str
    email_verified: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserBody:
        return cls(
            id=user.id,
            email=user.email.value,
            email_verified=user.email_verified,
            created_at=user.created_at,
        )


class TokenBody(msgspec.Struct):
    access_token: str
    expires_in: int
    token_expiration: int
    user: UserBody
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (RFC 6750 scheme name)

    @classmethod
    def of(cls, result: AuthResult, expires_in: int) -> TokenBody:
        expires_at = result.tokens.access_expires_at
        return cls(
            access_token=result.tokens.access_token,
            expires_in=expires_in,
            token_expiration=int(expires_at.timestamp() * 1000),
            user=UserBody.of(result.user),
        )


class PasswordChange(msgspec.Struct):
    """`code` (or `recovery_code`) is asked for when the account has TOTP, ignored otherwise."""

    current_password: str
    new_password: str
    code: str | msgspec.UnsetType = msgspec.UNSET
    recovery_code: str | msgspec.UnsetType = msgspec.UNSET


class AcceptedBody(msgspec.Struct):
    """A 202's body: the request is taken, its mail (if any) leaves through the outbox."""

    status: Literal["accepted"]


ACCEPTED = AcceptedBody(status="accepted")


class ForgotPassword(msgspec.Struct):
    email: str


class PasswordReset(msgspec.Struct):
    token: str
    new_password: str


class EmailVerification(msgspec.Struct):
    token: str


class AccountDeletion(msgspec.Struct):
    """`code` (or `recovery_code`) is asked for when the account has TOTP, ignored otherwise."""

    password: str
    code: str | msgspec.UnsetType = msgspec.UNSET
    recovery_code: str | msgspec.UnsetType = msgspec.UNSET


class SessionBody(msgspec.Struct):
    """One live session; `id` is the tokens' `sid`."""

    id: UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None
    amr: list[AuthMethod]
    current: bool

    @classmethod
    def of(cls, session: LiveSession) -> SessionBody:
        return cls(
            id=session.id,
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            expires_at=session.expires_at,
            user_agent=session.user_agent,
            amr=list(session.amr),
            current=session.current,
        )


class SessionCountBody(msgspec.Struct):
    """How many live sessions the caller has: as many as GET /auth/sessions lists."""

    count: int


class HealthBody(msgspec.Struct):
    status: str


class ProblemBody(msgspec.Struct):
    """RFC 9457 problem details, as every error response carries them."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


class PasskeyRegistrationStart(msgspec.Struct):
    """The password again, and a TOTP or recovery code when the account has TOTP."""

    password: str
    code: str | None = None
    recovery_code: str | None = None


class CeremonyBody(msgspec.Struct):
    """A passkey ceremony begun: its opaque value, to send back with the credential, and the
    options in WebAuthn's JSON form, for `PublicKeyCredential.parse*OptionsFromJSON`."""

    ceremony: str
    public_key: dict[str, Any] = msgspec.field(name="publicKey")

    @classmethod
    def of(cls, started: CeremonyStarted) -> CeremonyBody:
        return cls(ceremony=started.ceremony, public_key=started.public_key)


class PasskeyRegistration(msgspec.Struct):
    """`credential` is what `PublicKeyCredential.toJSON()` returns."""

    ceremony: str
    credential: dict[str, Any]
    name: str | None = None


class PasskeySignIn(msgspec.Struct):
    """`credential` is what `PublicKeyCredential.toJSON()` returns."""

    ceremony: str
    credential: dict[str, Any]


class PasskeyBody(msgspec.Struct):
    """A passkey as the API shows it: never its credential id or key."""

    id: UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, passkey: Passkey) -> PasskeyBody:
        return cls(
            id=passkey.id,
            name=passkey.name,
            created_at=passkey.created_at,
            last_used_at=passkey.last_used_at,
        )
