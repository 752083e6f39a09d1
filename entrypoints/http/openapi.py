"""The OpenAPI document (operation ids, the refresh cookie) and its page, served offline.

The interactive page is Swagger UI from the `swagger-ui-bundle-v2` package, whose files the app
serves itself under `/schema/assets`, so `/schema` works with no internet and loads nothing from
a third party.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Router, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.types import Method
from swagger_ui_bundle import swagger_ui_path

from entrypoints.http.static_files import contained_static_files_router

SCHEMA_PATH = "/schema"
ASSETS_PATH = f"{SCHEMA_PATH}/assets"

# Where a response sets the refresh cookie (its name depends on AUTH_COOKIE_SECURE, so these
# are written into the document once the settings are known): operation id -> statuses.
_ISSUES_COOKIE = {"register": "201", "login": "200", "refresh": "200", "changePassword": "200"}
_CLEARS_COOKIE = {"refresh": "401", "logout": "204", "logoutAll": "204", "revokeSession": "204"}
_READS_COOKIE = ("refresh", "logout")


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
        version="1.2.0",
        description="Register, sign in, refresh and sign out with typed, encrypted tokens.",
        path=SCHEMA_PATH,
        render_plugins=[SwaggerPage()],
        operation_id_creator=operation_id,
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
    )


def swagger_assets() -> Router:
    """The Swagger UI files of the installed package, under ASSETS_PATH."""
    return contained_static_files_router(
        path=ASSETS_PATH, directory=swagger_ui_path, name="swagger-assets"
    )


def document_refresh_cookie(document: OpenAPI, cookie_name: str) -> None:
    """Write the refresh cookie into the document under the name this app uses: the request
    cookie of refresh and logout, and the `Set-Cookie` of every response that sets or clears it
    (docs/api.md "Token response")."""
    for operation in _operations(document):
        key = operation.operation_id or ""
        if key in _READS_COOKIE:
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
        for statuses, header in (
            (_ISSUES_COOKIE, _set_cookie(cookie_name, "the session's new refresh token")),
            (_CLEARS_COOKIE, _set_cookie(cookie_name, "an empty value with Max-Age=0: cleared")),
        ):
            response = (operation.responses or {}).get(statuses.get(key, ""))
            if response is not None and not isinstance(response, Reference):
                response.headers = {**(response.headers or {}), "Set-Cookie": header}


def _set_cookie(cookie_name: str, what: str) -> OpenAPIHeader:
    secure = "; Secure" if cookie_name.startswith("__Secure-") else ""
    return OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING),
        description=f"`{cookie_name}`: {what}; HttpOnly{secure}; SameSite=Strict; Path=/auth",
        example=f"{cookie_name}=<token>; HttpOnly; Max-Age=<seconds>; Path=/auth; "
        f"SameSite=Strict{secure}",
    )


def _operations(document: OpenAPI) -> list[Operation]:
    return [
        operation
        for item in (document.paths or {}).values()
        for operation in (item.get, item.post, item.put, item.patch, item.delete)
        if operation is not None
    ]
