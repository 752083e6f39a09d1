"""The OpenAPI document (operation ids, the refresh cookie) and its page, served offline.

The interactive page is Swagger UI from the `swagger-ui-bundle-v2` package, whose files the app
serves itself under `/schema/assets`, so `/schema` works with no internet and loads nothing from
a third party.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Litestar, MediaType, Request, Router, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIHeader,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.routes import HTTPRoute
from litestar.types import Method
from swagger_ui_bundle import swagger_ui_path

from entrypoints.http.static_files import contained_static_files_router

SCHEMA_PATH = "/schema"
ASSETS_PATH = f"{SCHEMA_PATH}/assets"

_COOKIE_USE = "refresh_cookie"


@dataclass(frozen=True, slots=True)
class RefreshCookieUse:
    """How a route uses the refresh cookie: reads it, sets it with status `sets`, clears it with
    status `clears`. Routes declare it in their `opt`; document_refresh_cookie writes it down."""

    reads: bool = False
    sets: int | None = None
    clears: int | None = None


def uses_refresh_cookie(
    *, reads: bool = False, sets: int | None = None, clears: int | None = None
) -> dict[str, Any]:
    """A route handler's `opt=`, saying how it uses the refresh cookie."""
    return {_COOKIE_USE: RefreshCookieUse(reads, sets, clears)}


def operation_id(handler: HTTPRouteHandler, method: Method, path: list[Any]) -> str:
    """The handler function's name in camelCase (`list_sessions` -> `listSessions`).

    Litestar's default joins the path and the name (`AuthLoginLogin`); generated clients would
    call `auth_login_login()`. A route whose function name says too little sets `operation_id`.
    """
    first, *rest = handler.handler_name.split("_")
    return first + "".join(word.capitalize() for word in rest)


class SwaggerPage(OpenAPIRenderPlugin):
    """Swagger UI laid out as its own distribution's index.html does: the page only names
    scripts and a stylesheet, and an initializer script loads the document by URL. No inline
    script or style, so the page runs under the CSP of every HTML page (edge_headers.py), which
    Litestar's SwaggerRenderPlugin (the document inlined in a <script>) cannot."""

    def __init__(self) -> None:
        super().__init__(path=["/swagger"], media_type=MediaType.HTML)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return _SWAGGER_PAGE

    def receive_router(self, router: Router) -> None:
        router.register(_swagger_initializer)


_SWAGGER_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hexauth API</title>
<link rel="icon" type="image/png" href="{ASSETS_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<link rel="stylesheet" href="{ASSETS_PATH}/index.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_PATH}/swagger-ui-standalone-preset.js"></script>
<script src="{SCHEMA_PATH}/swagger-initializer.js"></script>
</body>
</html>
""".encode()

# validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
_SWAGGER_INITIALIZER = f"""window.ui = SwaggerUIBundle({{
  url: "{SCHEMA_PATH}/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "BaseLayout",
}});
"""


@get(
    "/swagger-initializer.js",
    media_type="text/javascript",
    include_in_schema=False,
    sync_to_thread=False,
)
def _swagger_initializer() -> str:
    return _SWAGGER_INITIALIZER


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="hexauth",
        version="1.3.0",
        description="Register, sign in, refresh and sign out with typed, encrypted tokens.",
        path=SCHEMA_PATH,
        render_plugins=[SwaggerPage()],
        operation_id_creator=operation_id,
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="Access token: an encrypted JWT (JWE) by default, a JWS "
                    "signed with EdDSA when AUTH_ACCESS_TOKEN_FORMAT=jws",
                )
            }
        ),
    )


def swagger_assets() -> Router:
    """The Swagger UI files of the installed package, under ASSETS_PATH."""
    return contained_static_files_router(
        path=ASSETS_PATH, directory=swagger_ui_path, name="swagger-assets"
    )


def document_refresh_cookie(app: Litestar, cookie_name: str) -> None:
    """Write the refresh cookie into the document under the name this app uses: the request
    cookie of the routes that read it, and the `Set-Cookie` of the responses that set or clear it
    (docs/api.md "Token response"), as each route's `uses_refresh_cookie` says.

    Done after generation because Litestar fixes a documented cookie's name when the handler is
    declared, and ours follows AUTH_COOKIE_SECURE, known only once the app is built.
    """
    paths = app.openapi_schema.paths or {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format not in paths:
            continue
        for handler in route.route_handlers:
            use = handler.opt.get(_COOKIE_USE)
            if not isinstance(use, RefreshCookieUse):
                continue
            for method in handler.http_methods:
                operation = getattr(paths[route.path_format], method.lower(), None)
                if isinstance(operation, Operation):
                    _document(operation, use, cookie_name)


def _document(operation: Operation, use: RefreshCookieUse, cookie_name: str) -> None:
    if use.reads:
        operation.parameters = [
            *(operation.parameters or []),
            Parameter(
                name=cookie_name,
                param_in="cookie",
                required=False,
                schema=Schema(type=OpenAPIType.STRING),
                description="The refresh token, as set by register, login and refresh "
                "(HttpOnly; `refresh_token` instead when AUTH_COOKIE_SECURE=false)",
            ),
        ]
    for status, header in (
        (use.sets, _set_cookie(cookie_name, "the session's new refresh token")),
        (use.clears, _set_cookie(cookie_name, "an empty value with Max-Age=0: cleared")),
    ):
        response = (operation.responses or {}).get(str(status))
        if status is not None and response is not None and not isinstance(response, Reference):
            response.headers = {**(response.headers or {}), "Set-Cookie": header}


def _set_cookie(cookie_name: str, what: str) -> OpenAPIHeader:
    secure = "; Secure" if cookie_name.startswith("__Secure-") else ""
    return OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING),
        description=f"`{cookie_name}`: {what}; HttpOnly{secure}; SameSite=Strict; Path=/auth",
        example=f"{cookie_name}=<token>; HttpOnly; Max-Age=<seconds>; Path=/auth; "
        f"SameSite=Strict{secure}",
    )
