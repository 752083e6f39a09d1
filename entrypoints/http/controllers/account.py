from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.change_password import ChangePassword, ChangePasswordCommand
from application.count_sessions import CountSessions, CountSessionsCommand
from application.list_sessions import ListSessions, ListSessionsCommand
from application.logout_all import LogoutAll, LogoutAllCommand
from application.results import Principal
from application.revoke_session import RevokeSession, RevokeSessionCommand
from entrypoints.http.controllers.auth import MAX_BODY_BYTES
from entrypoints.http.forwarded import client_ip
from entrypoints.http.json_body import require_json_body
from entrypoints.http.mfa_schemas import answer_of
from entrypoints.http.openapi import uses_refresh_cookie
from entrypoints.http.problem_docs import (
    BEARER_REFUSED,
    BODY_TOO_LARGE,
    MALFORMED_BODY,
    NOT_JSON,
    STORE_DOWN,
    THROTTLED,
    UNREADABLE_PARAMETERS,
    no_content,
    problem_responses,
)
from entrypoints.http.responses import NO_STORE, WithResponder
from entrypoints.http.schemas import PasswordChange, SessionBody, SessionCountBody, TokenBody

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


_UNAUTHORIZED = {
    401: BEARER_REFUSED,
    503: STORE_DOWN,
}

SESSIONS_DESCRIPTION = """\
The caller's live sessions (neither revoked nor expired), newest `created_at` first. `id` is the
session id the tokens carry as `sid`; `current` is true for the session of the access token that
asks. `amr` says how the session signed in (RFC 8176 values, `["pwd"]` for a password); its
refreshes keep it. `expires_at` is when the session ends unless it is refreshed before:
its idle expiry (`AUTH_REFRESH_TTL` after the last refresh), which is never after its absolute
end (`AUTH_SESSION_MAX_AGE` after login). Each refresh moves it on, up to that absolute end."""


class AccountController(Controller):
    """The signed-in user's sessions and password. Every handler needs a bearer access token."""

    path = "/auth"
    tags = ("account",)
    request_max_body_size = MAX_BODY_BYTES

    @post(
        "/logout-all",
        opt=uses_refresh_cookie(clears=HTTP_204_NO_CONTENT),
        status_code=HTTP_204_NO_CONTENT,
        summary="Sign out everywhere: revoke every session of the user",
        description="Every refresh token and every access token of the user stops working at "
        "once, the caller's included, and this device's refresh cookie is cleared.",
        security=BEARER,
        responses={
            **no_content("Every session is revoked, the cookie cleared"),
            **problem_responses(_UNAUTHORIZED),
        },
    )
    async def logout_all(
        self,
        request: Request[Principal, Any, Any],
        logout_all: NamedDependency[WithResponder[LogoutAll]],
    ) -> Response[None]:
        await logout_all.use_case.execute(LogoutAllCommand(request.user))
        cookies = [logout_all.responder.cookie.clear()]
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
        request: Request[Principal, Any, Any],
        list_sessions: NamedDependency[ListSessions],
    ) -> Response[list[SessionBody]]:
        sessions = await list_sessions.execute(ListSessionsCommand(request.user))
        return Response([SessionBody.of(session) for session in sessions], headers=NO_STORE)

    @get(
        "/sessions/count",
        summary="How many live sessions the user has",
        description="As many as `GET /auth/sessions` lists, without listing them.",
        security=BEARER,
        responses=problem_responses(_UNAUTHORIZED),
    )
    async def count_sessions(
        self,
        request: Request[Principal, Any, Any],
        count_sessions: NamedDependency[CountSessions],
    ) -> Response[SessionCountBody]:
        count = await count_sessions.execute(CountSessionsCommand(request.user))
        return Response(SessionCountBody(count), headers=NO_STORE)

    @delete(
        "/sessions/{session_id:str}",
        opt=uses_refresh_cookie(clears=HTTP_204_NO_CONTENT),
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
        request: Request[Principal, Any, Any],
        revoke_session: NamedDependency[WithResponder[RevokeSession]],
    ) -> Response[None]:
        command = RevokeSessionCommand(request.user, session_id)
        was_current = await revoke_session.use_case.execute(command)
        cookies = [revoke_session.responder.cookie.clear()] if was_current else []
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=cookies)

    @post(
        "/password",
        opt=uses_refresh_cookie(sets=200),
        status_code=200,
        guards=[require_json_body],
        summary="Change the password; every session ends and this device gets a fresh one",
        description="The new password follows the same policy as at registration. When the "
        "account has TOTP, exactly one of `code` and `recovery_code` is required too (a recovery "
        "code is used up); without TOTP both are ignored. On success every session of the user "
        "is revoked and every access token issued before is refused, the caller's included; the "
        "response signs this device in on a new session, like login, and its access token is "
        'the one that works. That session\'s `amr` is `["pwd", "otp", "mfa"]` when a code was '
        'checked, else `["pwd"]`. Outstanding `mfa_token`s die with the old password.',
        security=BEARER,
        responses=problem_responses(
            {
                **_UNAUTHORIZED,
                400: MALFORMED_BODY,
                413: BODY_TOO_LARGE,
                415: NOT_JSON,
                403: "The current password is wrong, or the account has TOTP and the code is "
                "missing or wrong (invalid-credentials)",
                422: "The new password is not acceptable (field `new_password`)",
                429: THROTTLED,
                503: STORE_DOWN,
            }
        ),
    )
    async def change_password(
        self,
        data: JSONBody[PasswordChange],
        request: Request[Principal, Any, Any],
        change_password: NamedDependency[WithResponder[ChangePassword]],
    ) -> Response[TokenBody]:
        result = await change_password.use_case.execute(
            ChangePasswordCommand(
                request.user,
                data.current_password,
                data.new_password,
                request.headers.get("user-agent"),
                client_ip(request),
                answer_of(data.code, data.recovery_code),
            )
        )
        return change_password.responder.tokens(result)
