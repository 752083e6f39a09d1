from __future__ import annotations

import json
from pathlib import Path

from application.events import SecurityEvent, SecurityEvents


class JsonLinesSecurityEvents(SecurityEvents):
    """Security events appended to a file, one JSON object a line (JSON Lines), for an audit
    trail that a log shipper picks up. Events carry no secrets, so neither does the file.

    Each event opens the file in append mode and writes one line: appends of a short line are
    not interleaved between the processes of `serve --workers N` (POSIX O_APPEND), and a file
    rotated away is simply created again.
    """

    def __init__(self, path: Path) -> None:
        self._path = path

    def record(self, event: SecurityEvent) -> None:
        line = json.dumps(
            {
                "event": event.kind.value,
                "user_id": str(event.user_id) if event.user_id else None,
                "session_id": str(event.session_id) if event.session_id else None,
                "client_ip": event.client_ip,
                "reason": event.reason,
            }
        )
        with self._path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")
