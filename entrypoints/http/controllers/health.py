from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency

from application.check_health import CheckHealth
from entrypoints.http.problems import SERVICE_UNAVAILABLE
from entrypoints.http.schemas import HealthBody


@get("/health", tags=["health"], summary="Readiness: the database answers")
async def health(check_health: NamedDependency[CheckHealth]) -> HealthBody:
    if not await check_health.execute():
        raise SERVICE_UNAVAILABLE.exception("the database does not answer")
    return HealthBody(status="ok")
