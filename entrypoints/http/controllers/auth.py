from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.login import Login, LoginCommand
from application.logout import Logout, LogoutCommand
from application.refresh_session import RefreshCommand, RefreshSession
from application.register_user import RegisterCommand, RegisterUser
from domain.errors import InvalidToken, RefreshTokenSuperseded
from entrypoints.http.csrf import require_same_origin_request
from entrypoints.http.problems import INVALID_TOKEN, TOKEN_REFUSED
from entrypoints.http.responses import NO_STORE, TokenResponder
from entrypoints.http.schemas import Credentials, TokenBody

MAX_BODY_BYTES = 16 * 1024  # API.md: larger bodies on /auth/* are refused with 413 unparsed


class AuthController(Controller):
    """Register, sign in, refresh and sign out. Translates only; the rules live in use cases."""

    path = "/auth"
    tags = ("auth",)
    request_max_body_size = MAX_BODY_BYTES

    @post("/register", status_code=HTTP_201_CREATED, summary="Create an account and sign in")
    async def register(
        self,
        data: JSONBody[Credentials],
        request: Request[Any, Any, Any],
        register_user: NamedDependency[RegisterUser],
        responder: NamedDependency[TokenResponder],
    ) -> Response[TokenBody]:
        result = await register_user.execute(
            RegisterCommand(data.email, data.password, request.headers.get("user-agent"))
        )
        return responder.tokens(result, HTTP_201_CREATED)

    @post("/login", status_code=200, summary="Sign in with email and password")
    async def login(
        self,
        data: JSONBody[Credentials],
        request: Request[Any, Any, Any],
        login: NamedDependency[Login],
        responder: NamedDependency[TokenResponder],
    ) -> Response[TokenBody]:
        result = await login.execute(
            LoginCommand(data.email, data.password, request.headers.get("user-agent"))
        )
        return responder.tokens(result)

    @post(
        "/refresh",
        status_code=200,
        guards=[require_same_origin_request],
        summary="Trade the refresh cookie for a new access token and a rotated cookie",
    )
    async def refresh(
        self,
        request: Request[Any, Any, Any],
        refresh_session: NamedDependency[RefreshSession],
        responder: NamedDependency[TokenResponder],
    ) -> Response[Any]:
        token = responder.cookie.read(request.cookies)
        try:
            if token is None:
                raise InvalidToken("no refresh cookie")
            result = await refresh_session.execute(RefreshCommand(token))
        except RefreshTokenSuperseded:
            # The racing tab that lost: its browser already holds the winner's cookie, which a
            # clearing Set-Cookie here would erase (API.md "Refresh sessions").
            return INVALID_TOKEN.response(TOKEN_REFUSED, headers=NO_STORE)
        except InvalidToken:
            return INVALID_TOKEN.response(
                TOKEN_REFUSED, headers=NO_STORE, cookies=[responder.cookie.clear()]
            )
        return responder.tokens(result)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        guards=[require_same_origin_request],
        summary="End this device's session; idempotent",
    )
    async def logout(
        self,
        request: Request[Any, Any, Any],
        logout: NamedDependency[Logout],
        responder: NamedDependency[TokenResponder],
    ) -> Response[None]:
        await logout.execute(LogoutCommand(responder.cookie.read(request.cookies)))
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[responder.cookie.clear()])
