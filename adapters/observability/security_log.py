from __future__ import annotations

import logging

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents

_WARNINGS = frozenset(
    {
        SecurityEventKind.LOGIN_FAILED,
        SecurityEventKind.LOGIN_THROTTLED,
        SecurityEventKind.REGISTRATION_THROTTLED,
        SecurityEventKind.REFRESH_REUSE_DETECTED,
        SecurityEventKind.LINK_REFUSED,
        SecurityEventKind.MAIL_FAILED,
        SecurityEventKind.REAUTHENTICATION_FAILED,
        SecurityEventKind.REAUTHENTICATION_THROTTLED,
        SecurityEventKind.PASSKEY_REJECTED,
        SecurityEventKind.PASSKEY_SIGN_IN_FAILED,
        SecurityEventKind.PASSKEY_COUNTER_REGRESSED,
        SecurityEventKind.PASSKEY_SIGN_IN_THROTTLED,
        SecurityEventKind.MFA_CODE_FAILED,
        SecurityEventKind.MFA_THROTTLED,
        SecurityEventKind.MFA_REMOVED,
        SecurityEventKind.RECOVERY_CODE_USED,
    }
)


class LoggingSecurityEvents(SecurityEvents):
    """Security events as structured records on the `hexauth.security` logger.

    The fields travel in `extra` (event, user_id, session_id, client_ip, reason), so a JSON log
    formatter emits them as keys; the message names the event only. Events carry no secrets.
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or logging.getLogger("hexauth.security")

    def record(self, event: SecurityEvent) -> None:
        level = logging.WARNING if event.kind in _WARNINGS else logging.INFO
        self._log.log(
            level,
            "security event: %s",
            event.kind.value,
            extra={
                "event": event.kind.value,
                "user_id": str(event.user_id) if event.user_id else None,
                "session_id": str(event.session_id) if event.session_id else None,
                "client_ip": event.client_ip,
                "reason": event.reason,
            },
        )
