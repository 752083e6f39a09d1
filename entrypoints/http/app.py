"""The Litestar application factory: the same function serves production and tests."""

from __future__ import annotations

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.problem_details import ProblemDetailsPlugin

from adapters.throttling import close_attempt_store
from entrypoints.container import Container
from entrypoints.http.access_log import AccessLogMiddleware
from entrypoints.http.controllers.account import AccountController
from entrypoints.http.controllers.auth import AuthController
from entrypoints.http.controllers.health import health, liveness
from entrypoints.http.controllers.recovery import RecoveryController
from entrypoints.http.controllers.users import UsersController
from entrypoints.http.csrf import origin_keys
from entrypoints.http.dependencies import container_dependencies
from entrypoints.http.forwarded import ForwardedHeadersMiddleware
from entrypoints.http.metrics import MetricsController, prometheus_config
from entrypoints.http.problems import (
    http_error_handler,
    internal_error_handler,
    problem_details_config,
)
from entrypoints.http.request_id import RequestIdMiddleware
from entrypoints.http.web_app import web_app_handlers


def create_app(container: Container | None = None) -> Litestar:
    """Build the app around `container` (a fresh one reading the environment by default)."""
    container = container or Container()
    settings = container.settings()
    container.security_events()  # the security counters exist, at zero, from the first scrape

    async def on_startup() -> None:
        container.outbox_loop().start()  # one mail sender per process (adapters/mail)

    async def on_shutdown() -> None:
        await container.outbox_loop().stop()
        await container.engine().dispose()
        await close_attempt_store(container.attempt_store())
        container.password_hasher().close()

    return Litestar(
        route_handlers=[
            AuthController,
            AccountController,
            RecoveryController,
            UsersController,
            health,
            liveness,
            MetricsController,
            *web_app_handlers(settings.web_app_dir),
        ],
        dependencies=container_dependencies(container),
        # Forwarded headers before anything reads the client, scheme or Host (docs/api.md
        # "Client IP"); then the request id, so the access line, the metrics middleware and
        # everything after them log with it.
        middleware=[
            ForwardedHeadersMiddleware(settings.forwarded_allow_ips),
            RequestIdMiddleware(),
            AccessLogMiddleware(),
            prometheus_config().middleware,
        ],
        plugins=[ProblemDetailsPlugin(problem_details_config())],
        exception_handlers={HTTPException: http_error_handler, Exception: internal_error_handler},
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_allowed_origins),
            allow_credentials=True,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Requested-With"],
            expose_headers=["Retry-After"],  # a page's form shows how long to wait (429, 503)
        )
        if settings.cors_allowed_origins
        else None,
        openapi_config=OpenAPIConfig(
            title="hexauth",
            version="1.0.0",
            description="Register, sign in, refresh and sign out with typed, encrypted tokens.",
            path="/schema",
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWE",
                        description="Access token",
                    )
                }
            ),
        ),
        state=State(
            {
                "container": container,
                "cors_allowed_origin_keys": origin_keys(settings.cors_allowed_origins),
            }
        ),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        # The process configures logging (entrypoints/log_config.py): the CLI, and uvicorn in
        # every worker through its log_config.
        logging_config=None,
        debug=False,
    )
