from __future__ import annotations

from application.ports import HealthProbe


class CheckHealth:
    """Readiness: can the service reach what it stores its state in."""

    def __init__(self, probe: HealthProbe) -> None:
        self._probe = probe

    async def execute(self) -> bool:
        return await self._probe.is_healthy()
