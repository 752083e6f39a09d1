"""Security events: what the use cases report for logs and metrics. Never carries a secret."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


class SecurityEventKind(enum.StrEnum):
    REGISTERED = "registered"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    REGISTRATION_THROTTLED = "registration_throttled"
    REFRESHED = "refreshed"
    REFRESH_REUSE_DETECTED = "refresh_reuse_detected"
    REFRESH_REPLAYED = "refresh_replayed"
    """The previous refresh token inside the grace window got the last rotation's answer."""
    SESSION_REVOKED = "session_revoked"
    RESET_REQUESTED = "reset_requested"
    RESET_DONE = "reset_done"
    LINK_REFUSED = "link_refused"
    EMAIL_VERIFIED = "email_verified"
    ACCOUNT_DELETED = "account_deleted"
    MAIL_FAILED = "mail_failed"
    REAUTHENTICATION_FAILED = "reauthentication_failed"
    REAUTHENTICATION_THROTTLED = "reauthentication_throttled"
    PASSKEY_REGISTERED = "passkey_registered"
    PASSKEY_REJECTED = "passkey_rejected"
    """A registration that did not verify (`reason` says which step refused it)."""
    PASSKEY_REMOVED = "passkey_removed"
    PASSKEY_SIGN_IN_SUCCEEDED = "passkey_sign_in_succeeded"
    PASSKEY_SIGN_IN_FAILED = "passkey_sign_in_failed"
    PASSKEY_COUNTER_REGRESSED = "passkey_counter_regressed"
    """A verified assertion whose signature counter went backwards: maybe a cloned key."""
    PASSKEY_SIGN_IN_THROTTLED = "passkey_sign_in_throttled"
    MFA_ENABLED = "mfa_enabled"
    """A TOTP factor was confirmed (its recovery codes handed out)."""
    MFA_REMOVED = "mfa_removed"
    """A TOTP factor and its recovery codes were removed; `reason` says by whom."""
    MFA_CODE_FAILED = "mfa_code_failed"
    """A wrong, replayed or missing second-factor code; `reason` names the action."""
    MFA_THROTTLED = "mfa_throttled"
    """A code step refused with 429 before any check; `reason` names the limit."""
    RECOVERY_CODE_USED = "recovery_code_used"
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed"
    MFA_LOGIN_SUCCEEDED = "mfa_login_succeeded"
    """A sign-in completed with a password and a second-factor code."""


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    """One security-relevant fact. Ids and an address only: no email, password or token."""

    kind: SecurityEventKind
    user_id: UUID | None = None
    session_id: UUID | None = None
    client_ip: str | None = None
    reason: str | None = None


class SecurityEvents(Protocol):
    """Where security events go (logs, metrics). Must not raise and must not block."""

    def record(self, event: SecurityEvent) -> None: ...
