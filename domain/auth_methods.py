"""How a user proved who they are: the `amr` of a session and of its access tokens."""

from __future__ import annotations

import enum


class AuthMethod(enum.StrEnum):
    """Authentication method reference values (RFC 8176 section 2), named as the RFC names them."""

    PWD = "pwd"  # noqa: S105 (a method name, not a password)
    """A password."""
    OTP = "otp"
    """A one-time password: a TOTP or recovery code."""
    HWK = "hwk"
    """Proof of possession of a hardware-secured key: a passkey."""
    USER = "user"
    """A user presence test: the passkey's authenticator asked."""
    MFA = "mfa"
    """More than one factor."""


AuthMethods = tuple[AuthMethod, ...]
"""A sign-in's methods, in the order the contract lists them (docs/api.md "amr of a session")."""

PASSWORD_ONLY: AuthMethods = (AuthMethod.PWD,)
PASSWORD_AND_CODE: AuthMethods = (AuthMethod.PWD, AuthMethod.OTP, AuthMethod.MFA)
PASSKEY: AuthMethods = (AuthMethod.HWK, AuthMethod.USER, AuthMethod.MFA)


def parse_auth_methods(values: object) -> AuthMethods:
    """The methods named by `values` (a list or tuple of RFC 8176 strings); ValueError for
    anything else, an empty list included, since every sign-in used at least one method."""
    if not isinstance(values, list | tuple) or not values:
        raise ValueError("amr must be a non-empty list of method names")
    if not all(isinstance(value, str) for value in values):
        raise ValueError("amr must be a list of strings")
    return tuple(AuthMethod(value) for value in values)
