"""The Litestar application factory: the same function serves production and tests."""

from __future__ import annotations

import gc

from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.plugins.problem_details import ProblemDetailsPlugin

from adapters.throttling import close_attempt_store
from entrypoints.container import Container
from entrypoints.http.access_log import AccessLogMiddleware
from entrypoints.http.bearer import BearerAuthentication
from entrypoints.http.controllers.account import AccountController
from entrypoints.http.controllers.auth import AuthController
from entrypoints.http.controllers.health import health, liveness
from entrypoints.http.controllers.jwks import get_jwks
from entrypoints.http.controllers.mfa import MfaController, MfaLoginController
from entrypoints.http.controllers.passkey_sign_in import PasskeySignInController
from entrypoints.http.controllers.passkeys import PasskeyController
from entrypoints.http.controllers.recovery import RecoveryController, VerificationMailController
from entrypoints.http.controllers.users import UsersController
from entrypoints.http.csrf import origin_keys
from entrypoints.http.dependencies import container_dependencies
from entrypoints.http.edge_headers import add_edge_headers
from entrypoints.http.forwarded import ForwardedHeadersMiddleware
from entrypoints.http.header_limit import HeaderSizeLimitMiddleware
from entrypoints.http.metrics import MetricsController, prometheus_config
from entrypoints.http.openapi import document_refresh_cookie, openapi_config, swagger_assets
from entrypoints.http.problems import (
    http_error_handler,
    internal_error_handler,
    problem_details_config,
)
from entrypoints.http.refusals import AnswerRefusalsHere
from entrypoints.http.request_id import RequestIdMiddleware
from entrypoints.http.web_app import web_app_handlers


def create_app(container: Container | None = None) -> Litestar:
    """Build the app around `container` (a fresh one reading the environment by default)."""
    container = container or Container()
    settings = container.settings()
    container.security_events()  # the security counters exist, at zero, from the first scrape

    async def on_startup() -> None:
        container.outbox_loop().start()  # one mail sender per process (entrypoints/outbox_loop.py)
        # What start-up built (modules, the container, the routes) lives as long as the process:
        # out of the collector's sight, every collection has less to walk (the gc docs' advice
        # for long-lived servers). py-spy put collections at ~6 % of a /users/me request.
        gc.collect()  # garbage is not frozen with the rest: frozen objects are never freed
        gc.freeze()

    async def on_shutdown() -> None:
        await container.outbox_loop().stop()
        await container.engine().dispose()
        await close_attempt_store(container.attempt_store())
        container.password_hasher().close()

    app = Litestar(
        route_handlers=[
            AuthController,
            MfaLoginController,
            RecoveryController,
            PasskeySignInController,
            # Every route under this router needs a bearer access token (docs/api.md "Bearer").
            Router(
                "/",
                route_handlers=[
                    AccountController,
                    MfaController,
                    UsersController,
                    VerificationMailController,
                    PasskeyController,
                ],
                middleware=[
                    AnswerRefusalsHere(),
                    DefineMiddleware(BearerAuthentication, authenticate=container.authenticate),
                ],
            ),
            health,
            liveness,
            get_jwks,
            # Production serves /metrics on its own listener (entrypoints/cli.py): on this one
            # the path is then unknown, a 404 to every method, and the OpenAPI document omits it.
            *([] if settings.is_production else [MetricsController]),
            swagger_assets(),
            *web_app_handlers(settings.web_app_dir),
        ],
        dependencies=container_dependencies(container),
        # Oversized headers are refused first; then the forwarded headers, before anything reads
        # the client, scheme or Host (docs/api.md "Client IP"); then the request id, so the
        # access line, the metrics middleware and everything after them log with it.
        middleware=[
            HeaderSizeLimitMiddleware(),
            ForwardedHeadersMiddleware(settings.forwarded_allow_ips),
            RequestIdMiddleware(),
            AccessLogMiddleware(),
            prometheus_config().middleware,
        ],
        # X-Request-ID, nosniff and no-store on every response, the unrouted 404/405 included.
        before_send=[add_edge_headers],
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
        openapi_config=openapi_config(),
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
    document_refresh_cookie(app, container.refresh_cookie().name)
    return app
