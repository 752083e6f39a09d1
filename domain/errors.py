"""Domain errors: each one names a rule that was broken, never how it is reported."""


class DomainError(Exception):
    """Base of every error the domain and the use cases raise on purpose."""


class InvalidValue(DomainError, ValueError):
    """A value from outside broke a rule of its type; `field` names the input it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class InvalidEmail(InvalidValue):
    def __init__(self, message: str, field: str = "email") -> None:
        super().__init__(field, message)


class WeakPassword(InvalidValue):
    def __init__(self, message: str, field: str = "password") -> None:
        super().__init__(field, message)


class EmailAlreadyRegistered(DomainError):
    """Another account already uses this email (compared case-insensitively)."""


class InvalidCredentials(DomainError):
    """Unknown email or wrong password; deliberately does not say which."""


class AccountDisabled(DomainError):
    """The credentials are right but the account may not sign in."""

    reason = "account_disabled"  # for the logs


class TooManyAttempts(DomainError):
    """Too many attempts from one client (docs/api.md "Login throttling"); retry in `retry_after` s.

    `reason` says which limit was hit, for the logs; it is never shown to the client.
    """

    def __init__(self, retry_after: int, reason: str = "") -> None:
        super().__init__(f"too many attempts; retry after {retry_after} s")
        self.retry_after = max(1, retry_after)
        self.reason = reason


class AccountNotFound(DomainError):
    """No account has this email (for operators; sign-in never says so)."""


class WrongCurrentPassword(DomainError):
    """A signed-in user gave the wrong current password; unlike InvalidCredentials, the account
    is known, so this is a refusal of an action rather than of a sign-in."""


class SessionNotFound(DomainError):
    """Not one of the caller's live sessions; deliberately does not say whether it exists."""


class InvalidToken(DomainError):
    """A token is malformed, forged, expired, of the wrong type, or its session is gone."""


class SessionRevoked(InvalidToken):
    """The refresh session was ended (logout, reuse detection, operator)."""


class SessionExpired(InvalidToken):
    """The refresh session passed its idle or absolute lifetime."""


class RefreshTokenReused(InvalidToken):
    """An already-rotated refresh token came back: the session is treated as stolen."""


class CredentialsChanged(SessionRevoked):
    """The session began before the account's last credential change (a password change, a
    disable): it is revoked, even when its login was still in flight at the change."""


class InvalidLink(DomainError):
    """A reset or verification link that is unknown, used, expired or for another purpose;
    deliberately one error for all of them."""


class EmailUnverified(DomainError):
    """The credentials are right, but the account must verify its email before signing in."""

    reason = "email_unverified"  # for the logs


class PasskeyRejected(DomainError):
    """A passkey registration that does not verify: a bad attestation, a wrong origin or RP ID,
    a used or expired ceremony. Deliberately one error for all of them; `reason` says which
    step refused it, for the logs only."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the passkey registration does not verify ({reason})")
        self.reason = reason


class PasskeyAlreadyRegistered(PasskeyRejected):
    """The credential is registered already (to this account or another)."""

    def __init__(self) -> None:
        super().__init__("already_registered")


class PasskeySignInFailed(InvalidCredentials):
    """A passkey sign-in that does not verify: an unknown credential, a bad signature, a wrong
    origin, a used or expired ceremony. Deliberately one error for all of them; `reason` says
    which step refused it, for the logs only."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the passkey sign-in does not verify ({reason})")
        self.reason = reason


class MalformedPasskeyCredential(DomainError):
    """The `credential` is not what `PublicKeyCredential.toJSON()` returns."""


class PasskeyNotFound(DomainError):
    """Not one of the caller's passkeys; deliberately does not say whether it exists."""


class InvalidCode(DomainError):
    """A wrong TOTP code while setting up a second factor."""


class MfaAlreadyEnabled(DomainError):
    """The account already has a confirmed TOTP factor."""


class MfaNotEnabled(DomainError):
    """The account has no TOTP factor (or, at confirm, no setup pending)."""


class InvalidMfaToken(DomainError):
    """An `mfa_token` that is unknown, used, expired, exhausted by wrong codes, or whose account's
    credentials changed since; deliberately one error for all of them."""


class MfaRequired(DomainError):
    """The password is right, and the account has a second factor: sign-in goes on at
    /auth/login/mfa with `mfa_token` (docs/api.md "Login with a second factor")."""

    def __init__(self, mfa_token: str, methods: tuple[str, ...], expires_in: int) -> None:
        super().__init__("a second factor is required")
        self.mfa_token = mfa_token
        self.methods = methods
        self.expires_in = expires_in
