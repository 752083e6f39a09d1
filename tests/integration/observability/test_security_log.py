from __future__ import annotations

import logging
import uuid

from adapters.observability.security_log import LoggingSecurityEvents
from application.events import SecurityEvent, SecurityEventKind


def test_events_become_structured_records_on_the_security_logger(caplog):
    user_id, session_id = uuid.uuid4(), uuid.uuid4()

    with caplog.at_level(logging.INFO, logger="hexauth.security"):
        LoggingSecurityEvents().record(
            SecurityEvent(
                SecurityEventKind.REFRESH_REUSE_DETECTED,
                user_id=user_id,
                session_id=session_id,
                client_ip="203.0.113.9",
            )
        )

    [record] = caplog.records
    assert record.name == "hexauth.security"
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "security event: refresh_reuse_detected"
    assert (record.event, record.user_id, record.session_id, record.client_ip) == (
        "refresh_reuse_detected",
        str(user_id),
        str(session_id),
        "203.0.113.9",
    )


def test_routine_events_are_info(caplog):
    with caplog.at_level(logging.INFO, logger="hexauth.security"):
        LoggingSecurityEvents().record(SecurityEvent(SecurityEventKind.REFRESHED))

    assert caplog.records[0].levelno == logging.INFO
    assert caplog.records[0].user_id is None
