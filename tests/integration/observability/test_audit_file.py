from __future__ import annotations

import json
import uuid
from pathlib import Path

from adapters.observability.audit_file import JsonLinesSecurityEvents
from application.events import SecurityEvent, SecurityEventKind


def test_each_event_is_one_json_line_appended_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "security.jsonl"
    path.write_text('{"event": "from before"}\n')
    user_id = uuid.uuid4()
    events = JsonLinesSecurityEvents(path)

    events.record(SecurityEvent(SecurityEventKind.LOGIN_FAILED, client_ip="203.0.113.9"))
    events.record(SecurityEvent(SecurityEventKind.REFRESHED, user_id=user_id, reason="r"))

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {"event": "from before"}
    assert lines[1:] == [
        {
            "event": "login_failed",
            "user_id": None,
            "session_id": None,
            "client_ip": "203.0.113.9",
            "reason": None,
        },
        {
            "event": "refreshed",
            "user_id": str(user_id),
            "session_id": None,
            "client_ip": None,
            "reason": "r",
        },
    ]


def test_a_file_rotated_away_is_created_again(tmp_path: Path) -> None:
    path = tmp_path / "security.jsonl"
    events = JsonLinesSecurityEvents(path)
    events.record(SecurityEvent(SecurityEventKind.REGISTERED))
    path.rename(tmp_path / "security.jsonl.1")

    events.record(SecurityEvent(SecurityEventKind.LOGIN_SUCCEEDED))

    assert [json.loads(line)["event"] for line in path.read_text().splitlines()] == [
        "login_succeeded"
    ]
