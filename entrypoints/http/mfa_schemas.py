"""The JSON shapes of the second factor's endpoints (docs/api.md "Second factor")."""

from __future__ import annotations

import msgspec

from domain.second_factor import SecondFactorAnswer

# Absent, not null: a code that is not a string is a malformed body (400), so "not sent" must
# stay distinguishable from `null`, which msgspec then refuses.
OptionalCode = str | msgspec.UnsetType


def answer_of(code: OptionalCode, recovery_code: OptionalCode) -> SecondFactorAnswer:
    """The second factor a body offered, as the use cases take it."""
    return SecondFactorAnswer(
        code=None if isinstance(code, msgspec.UnsetType) else code,
        recovery_code=None if isinstance(recovery_code, msgspec.UnsetType) else recovery_code,
    )


class MfaLogin(msgspec.Struct):
    """The second step of a sign-in: the `mfa_token`, and exactly one of the two codes."""

    mfa_token: str
    code: OptionalCode = msgspec.UNSET
    recovery_code: OptionalCode = msgspec.UNSET


class PasswordConfirmation(msgspec.Struct):
    password: str


class PasswordAndCode(msgspec.Struct):
    """The password and a code (or a recovery code in its place) of an account with TOTP."""

    password: str
    code: OptionalCode = msgspec.UNSET
    recovery_code: OptionalCode = msgspec.UNSET


class TotpCode(msgspec.Struct):
    code: str


class SecondFactorsBody(msgspec.Struct):
    """What protects the account beyond its password; `totp` is false while a setup is only
    pending, and `recovery_codes_left` 0 then."""

    totp: bool
    recovery_codes_left: int
    passkeys: int


class TotpSetupBody(msgspec.Struct):
    """The new secret, shown this once: base32, and as the URI authenticator apps scan."""

    secret: str
    otpauth_uri: str


class RecoveryCodesBody(msgspec.Struct):
    """Ten recovery codes, shown this once; each works once in place of a TOTP code."""

    recovery_codes: list[str]


class LoginRefusalBody(msgspec.Struct):
    """A 403 problem of login. With `mfa-required` (a right password on an account with TOTP)
    it has three extension members: `mfa_token` for /auth/login/mfa, `methods` it accepts
    (`["totp", "recovery_code"]`) and `expires_in`, the token's lifetime in seconds."""

    type: str
    title: str
    status: int
    detail: str
    mfa_token: str | msgspec.UnsetType = msgspec.UNSET
    methods: list[str] | msgspec.UnsetType = msgspec.UNSET
    expires_in: int | msgspec.UnsetType = msgspec.UNSET
