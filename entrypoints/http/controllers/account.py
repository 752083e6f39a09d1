from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.change_password import ChangePassword, ChangePasswordCommand
from application.list_sessions import ListSessions, ListSessionsCommand
from application.logout_all import LogoutAll, LogoutAllCommand
from application.results import Principal
from application.revoke_session import RevokeSession, RevokeSessionCommand
from entrypoints.http.controllers.auth import MAX_BODY_BYTES
from entrypoints.http.dependencies import token_responder
from entrypoints.http.forwarded import client_ip
from entrypoints.http.problem_docs import (
    BODY_TOO_LARGE,
    COUNTERS_DOWN,
    MALFORMED_BODY,
    THROTTLED,
    UNREADABLE_PARAMETERS,
    no_content,
    problem_responses,
)
from entrypoints.http.responses import NO_STORE
from entrypoints.http.schemas import PasswordChange, SessionBody, TokenBody

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


_UNAUTHORIZED = {401: "No valid access token, or its account is gone or disabled"}

SESSIONS_DESCRIPTION = """\
The caller's live sessions (neither revoked nor expired), newest `created_at` first. `id` is the
session id the tokens carry as `sid`; `current` is true for the session of the access token that
asks. `expires_at` is when the session ends unless it is refreshed before: its idle expiry
(`AUTH_REFRESH_TTL` after the last refresh), which is never after its absolute end
(`AUTH_SESSION_MAX_AGE` after login). Each refresh moves it on, up to that absolute end."""


class AccountController(Controller):
    """The signed-in user's sessions and password. Every handler needs a bearer access token."""

    path = "/auth"
    tags = ("account",)
    request_max_body_size = MAX_BODY_BYTES

    @post(
        "/logout-all",
        status_code=HTTP_204_NO_CONTENT,
        summary="Sign out everywhere: revoke every session of the user",
        description="Every refresh token of the user stops working, and this device's refresh "
        "cookie is cleared. Access tokens already handed out stay valid until they expire.",
        security=BEARER,
        responses={
            **no_content("Every session is revoked, the cookie cleared"),
            **problem_responses(_UNAUTHORIZED),
        },
    )
    async def logout_all(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        logout_all: NamedDependency[LogoutAll],
    ) -> Response[None]:
        await logout_all.execute(LogoutAllCommand(principal))
        cookies = [token_responder(request).cookie.clear()]
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=cookies)

    @get(
        "/sessions",
        summary="The user's live sessions, newest first",
        description=SESSIONS_DESCRIPTION,
        security=BEARER,
        responses=problem_responses(_UNAUTHORIZED),
    )
    async def list_sessions(
        self,
        principal: NamedDependency[Principal],
        list_sessions: NamedDependency[ListSessions],
    ) -> Response[list[SessionBody]]:
        sessions = await list_sessions.execute(ListSessionsCommand(principal))
        return Response([SessionBody.of(session) for session in sessions], headers=NO_STORE)

    @delete(
        "/sessions/{session_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke one of the user's sessions",
        description="Ending the caller's own current session also clears its refresh cookie. "
        "Any id that is not one of the caller's live sessions is 404, whether it exists or not.",
        security=BEARER,
        responses={
            **no_content("The session is revoked"),
            **problem_responses(
                {
                    **_UNAUTHORIZED,
                    400: UNREADABLE_PARAMETERS,
                    404: "Not one of the caller's live sessions",
                }
            ),
        },
    )
    async def revoke_session(
        self,
        session_id: FromPath[str],
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        revoke_session: NamedDependency[RevokeSession],
    ) -> Response[None]:
        was_current = await revoke_session.execute(RevokeSessionCommand(principal, session_id))
        cookies = [token_responder(request).cookie.clear()] if was_current else []
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=cookies)

    @post(
        "/password",
        status_code=200,
        summary="Change the password; every session ends and this device gets a fresh one",
        description="The new password follows the same policy as at registration. On success "
        "every session of the user is revoked, and the response signs this device in on a new "
        "session, like login.",
        security=BEARER,
        responses=problem_responses(
            {
                **_UNAUTHORIZED,
                400: MALFORMED_BODY,
                413: BODY_TOO_LARGE,
                403: "The current password is wrong (invalid-credentials)",
                422: "The new password is not acceptable (field `new_password`)",
                429: THROTTLED,
                503: COUNTERS_DOWN,
            }
        ),
    )
    async def change_password(
        self,
        data: JSONBody[PasswordChange],
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        change_password: NamedDependency[ChangePassword],
    ) -> Response[TokenBody]:
        result = await change_password.execute(
            ChangePasswordCommand(
                principal,
                data.current_password,
                data.new_password,
                request.headers.get("user-agent"),
                client_ip(request),
            )
        )
        return token_responder(request).tokens(result)
