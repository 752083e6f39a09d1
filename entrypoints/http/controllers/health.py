from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency

from application.check_health import CheckHealth
from entrypoints.http.problem_docs import problem_responses
from entrypoints.http.problems import SERVICE_UNAVAILABLE
from entrypoints.http.schemas import HealthBody


@get(
    "/health",
    tags=["health"],
    summary="Readiness: the database answers",
    responses=problem_responses({503: "The database does not answer (service-unavailable)"}),
)
async def health(check_health: NamedDependency[CheckHealth]) -> HealthBody:
    if not await check_health.execute():
        raise SERVICE_UNAVAILABLE.exception("the database does not answer")
    return HealthBody(status="ok")


@get(
    "/health/live",
    tags=["health"],
    summary="Liveness: the process serves requests",
    description="200 as long as the process answers HTTP; it asks no database, so a database "
    "outage does not make an orchestrator restart every instance.",
)
async def liveness() -> HealthBody:
    return HealthBody(status="ok")
