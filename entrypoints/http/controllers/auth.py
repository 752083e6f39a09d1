from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.login import Login, LoginCommand
from application.logout import Logout, LogoutCommand
from application.refresh_session import RefreshCommand, RefreshSession
from application.register_user import RegisterCommand, RegisterUser
from domain.errors import InvalidToken
from entrypoints.http.csrf import REFUSE_CROSS_SITE, REQUIRE_SAME_ORIGIN_REQUEST
from entrypoints.http.forwarded import client_ip
from entrypoints.http.json_body import require_json_body
from entrypoints.http.mfa_schemas import LoginRefusalBody
from entrypoints.http.openapi import uses_refresh_cookie
from entrypoints.http.problem_docs import (
    BODY_TOO_LARGE,
    CROSS_SITE,
    CSRF,
    MALFORMED_BODY,
    NOT_JSON,
    STORE_DOWN,
    THROTTLED,
    UNREADABLE_PARAMETERS,
    no_content,
    problem_responses,
)
from entrypoints.http.problems import INVALID_TOKEN, PROBLEM_MEDIA_TYPE, TOKEN_REFUSED
from entrypoints.http.responses import NO_STORE, WithResponder
from entrypoints.http.schemas import Credentials, TokenBody

MAX_BODY_BYTES = 16 * 1024  # docs/api.md: larger bodies on /auth/* are refused with 413 unparsed

# Declared for the OpenAPI document; the CSRF guard is what reads it. The refresh cookie is
# documented under its configured name by entrypoints.http.openapi.
CsrfHeader = Annotated[
    str,
    HeaderParameter(
        name="X-Requested-With",
        description="Any non-empty value (a custom header cross-site forms cannot send)",
    ),
]


class AuthController(Controller):
    """Register, sign in, refresh and sign out. Translates only; the rules live in use cases."""

    path = "/auth"
    tags = ("auth",)
    request_max_body_size = MAX_BODY_BYTES

    @post(
        "/register",
        opt=uses_refresh_cookie(sets=HTTP_201_CREATED),
        status_code=HTTP_201_CREATED,
        middleware=[REFUSE_CROSS_SITE],
        guards=[require_json_body],
        summary="Create an account and sign in",
        responses=problem_responses(
            {
                400: MALFORMED_BODY,
                403: CROSS_SITE,
                409: "An account with this email exists (email-taken)",
                413: BODY_TOO_LARGE,
                415: NOT_JSON,
                422: "The email or the password is not acceptable; `errors` names the field "
                "(validation-error)",
                429: THROTTLED,
                503: STORE_DOWN,
            }
        ),
    )
    async def register(
        self,
        data: JSONBody[Credentials],
        request: Request[Any, Any, Any],
        register_user: NamedDependency[WithResponder[RegisterUser]],
    ) -> Response[TokenBody]:
        result = await register_user.use_case.execute(
            RegisterCommand(
                data.email, data.password, request.headers.get("user-agent"), client_ip(request)
            )
        )
        return register_user.responder.tokens(result, HTTP_201_CREATED)

    @post(
        "/login",
        opt=uses_refresh_cookie(sets=200),
        status_code=200,
        middleware=[REFUSE_CROSS_SITE],
        guards=[require_json_body],
        summary="Sign in with email and password",
        description="For an account with TOTP a right password answers 403 `mfa-required` "
        "instead of tokens: no session, no cookie, and the problem's `mfa_token` (single-use, "
        "for this account, `expires_in` seconds: AUTH_MFA_TOKEN_TTL) goes to /auth/login/mfa "
        "with a code. Checks run in this order: 429, 401, account-disabled, email-unverified, "
        "mfa-required; `mfa-required` neither counts as a failure nor resets the throttle.",
        responses={
            **problem_responses(
                {
                    400: MALFORMED_BODY,
                    401: "Unknown email or wrong password, alike (invalid-credentials)",
                    413: BODY_TOO_LARGE,
                    415: NOT_JSON,
                    429: THROTTLED,
                    503: STORE_DOWN,
                }
            ),
            403: ResponseSpec(
                data_container=LoginRefusalBody,
                media_type=PROBLEM_MEDIA_TYPE,
                description="The password is right but the account has TOTP (mfa-required, "
                "with `mfa_token`, `methods` and `expires_in`), is disabled (account-disabled) "
                "or must verify its email (email-unverified); or " + CROSS_SITE,
                generate_examples=False,
            ),
        },
    )
    async def login(
        self,
        data: JSONBody[Credentials],
        request: Request[Any, Any, Any],
        login: NamedDependency[WithResponder[Login]],
    ) -> Response[TokenBody]:
        result = await login.use_case.execute(
            LoginCommand(
                data.email, data.password, request.headers.get("user-agent"), client_ip(request)
            )
        )
        return login.responder.tokens(result)

    @post(
        "/refresh",
        opt=uses_refresh_cookie(reads=True, sets=200, clears=401),
        status_code=200,
        middleware=[REQUIRE_SAME_ORIGIN_REQUEST],
        summary="Trade the refresh cookie for a new access token and a rotated cookie",
        description="Rotates the session's refresh token. A retried refresh gets the same "
        "answer: within AUTH_REFRESH_REUSE_GRACE seconds of a rotation (default 5, at most 60; "
        "0 disables), the immediately previous token is answered 200 with a fresh access token "
        "and a cookie holding the session's current refresh token (the same `jti` and `exp` "
        "the rotation handed out) and changes nothing, so a lost response or racing tabs never "
        "sign anyone out. The cost: inside the window the previous token is as good as the "
        "current one, which is why the window is short. Each such replay is a security event. "
        "Any older token, or the previous one after the window, is reuse: the session is "
        "revoked.",
        responses=problem_responses(
            {
                400: UNREADABLE_PARAMETERS,
                401: "No refresh cookie, or its token or session is no longer valid (revoked, "
                "expired, reused, or begun before a password change); the cookie is cleared "
                "(invalid-token)",
                403: CSRF,
                503: STORE_DOWN,
            }
        ),
    )
    async def refresh(
        self,
        request: Request[Any, Any, Any],
        refresh_session: NamedDependency[WithResponder[RefreshSession]],
        x_requested_with: CsrfHeader,
    ) -> Response[TokenBody]:
        responder = refresh_session.responder
        token = responder.cookie.read(request.cookies)
        try:
            if token is None:
                raise InvalidToken("no refresh cookie")
            result = await refresh_session.use_case.execute(RefreshCommand(token))
        except InvalidToken:
            return INVALID_TOKEN.response(
                TOKEN_REFUSED, headers=NO_STORE, cookies=[responder.cookie.clear()]
            )
        return responder.tokens(result)

    @post(
        "/logout",
        opt=uses_refresh_cookie(reads=True, clears=HTTP_204_NO_CONTENT),
        status_code=HTTP_204_NO_CONTENT,
        middleware=[REQUIRE_SAME_ORIGIN_REQUEST],
        summary="End this device's session; idempotent",
        responses={
            **no_content("The session is revoked (if there was one) and the cookie is cleared"),
            **problem_responses({400: UNREADABLE_PARAMETERS, 403: CSRF, 503: STORE_DOWN}),
        },
    )
    async def logout(
        self,
        request: Request[Any, Any, Any],
        logout: NamedDependency[WithResponder[Logout]],
        x_requested_with: CsrfHeader,
    ) -> Response[None]:
        responder = logout.responder
        await logout.use_case.execute(LogoutCommand(responder.cookie.read(request.cookies)))
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[responder.cookie.clear()])
