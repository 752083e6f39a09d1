from __future__ import annotations

import logging

from application.events import SecurityEvent, SecurityEvents

log = logging.getLogger("hexauth.observability")


class FanOutSecurityEvents(SecurityEvents):
    """Hands every event to each listener (the log, the metrics) in turn.

    The port promises not to raise: a listener that fails is reported and skipped, so a broken
    metric never fails a login, and the other listeners still hear the event.
    """

    def __init__(self, *listeners: SecurityEvents) -> None:
        self._listeners = listeners

    def record(self, event: SecurityEvent) -> None:
        for listener in self._listeners:
            try:
                listener.record(event)
            except Exception:
                log.exception("security event listener %s failed", type(listener).__name__)
