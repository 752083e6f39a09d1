"""SECURITY_EVENTS_FILE: the security events of a flow, appended to the file as JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entrypoints.settings import Settings
from tests.e2e.conftest import PASSWORD, register, settings_for


@pytest.fixture
def audit_file(tmp_path: Path) -> Path:
    return tmp_path / "security.jsonl"


@pytest.fixture
def settings(sqlite_database_url: str, audit_file: Path) -> Settings:
    return settings_for(sqlite_database_url, security_events_file=str(audit_file))


def test_a_flows_security_events_are_appended_without_secrets(client, audit_file):
    register(client)
    client.post("/auth/login", json={"email": "ada@example.com", "password": "wrong" * 4})

    text = audit_file.read_text()
    events = [json.loads(line) for line in text.splitlines()]
    assert [e["event"] for e in events] == ["registered", "login_failed"]
    assert events[0]["user_id"] is not None
    assert PASSWORD not in text
    assert "ada@example.com" not in text
