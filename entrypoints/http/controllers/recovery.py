"""Password reset and email verification (docs/api.md "Account recovery and email verification")."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from application.request_password_reset import (
    RequestPasswordReset,
    RequestPasswordResetCommand,
)
from application.reset_password import ResetPassword, ResetPasswordCommand
from application.results import Principal
from application.send_email_verification import (
    SendEmailVerification,
    SendEmailVerificationCommand,
)
from application.verify_email import VerifyEmail, VerifyEmailCommand
from entrypoints.http.controllers.auth import MAX_BODY_BYTES
from entrypoints.http.csrf import REFUSE_CROSS_SITE
from entrypoints.http.forwarded import client_ip
from entrypoints.http.json_body import require_json_body
from entrypoints.http.problem_docs import (
    BEARER_REFUSED,
    BODY_TOO_LARGE,
    CROSS_SITE,
    MALFORMED_BODY,
    NOT_JSON,
    STORE_DOWN,
    THROTTLED,
    no_content,
    problem_responses,
)
from entrypoints.http.responses import NO_STORE
from entrypoints.http.schemas import (
    ACCEPTED,
    AcceptedBody,
    EmailVerification,
    ForgotPassword,
    PasswordReset,
)

_INVALID_LINK = "The link is unknown, used, expired or for something else, alike (invalid-link)"


class RecoveryController(Controller):
    """Forgotten passwords and email verification; the links arrive by mail.

    No auth, and each changes state: refused cross-site (docs/api.md "Cross-site requests").
    """

    path = "/auth"
    tags = ("recovery",)
    request_max_body_size = MAX_BODY_BYTES
    middleware = (REFUSE_CROSS_SITE,)
    guards = (require_json_body,)

    @post(
        "/password/forgot",
        status_code=HTTP_202_ACCEPTED,
        summary="Mail a password-reset link, if an account has this email",
        description="Always 202 with the same body and headers, whether or not an "
        "account has this email, so the answer tells nothing about who has an account. The "
        "link lives `AUTH_RESET_TTL` seconds and kills every older reset link.",
        responses=problem_responses(
            {
                400: MALFORMED_BODY,
                403: CROSS_SITE,
                413: BODY_TOO_LARGE,
                415: NOT_JSON,
                429: THROTTLED,
                503: STORE_DOWN,
            }
        ),
    )
    async def forgot_password(
        self,
        data: JSONBody[ForgotPassword],
        request: Request[Any, Any, Any],
        request_password_reset: NamedDependency[RequestPasswordReset],
    ) -> Response[AcceptedBody]:
        await request_password_reset.execute(
            RequestPasswordResetCommand(data.email, client_ip(request))
        )
        return Response(ACCEPTED, status_code=HTTP_202_ACCEPTED, headers=NO_STORE)

    @post(
        "/password/reset",
        status_code=HTTP_204_NO_CONTENT,
        summary="Set a new password with a mailed reset link",
        description="The password is set, every session of the account is revoked and every "
        "outstanding reset link dies. The token is the one after `#token=` in the link.",
        responses={
            **no_content("The password is set; sign in with it"),
            **problem_responses(
                {
                    400: f"{_INVALID_LINK}; or {MALFORMED_BODY}",
                    403: CROSS_SITE,
                    413: BODY_TOO_LARGE,
                    415: NOT_JSON,
                    422: "The new password is not acceptable (field `new_password`)",
                    503: STORE_DOWN,
                }
            ),
        },
    )
    async def reset_password(
        self,
        data: JSONBody[PasswordReset],
        request: Request[Any, Any, Any],
        reset_password: NamedDependency[ResetPassword],
    ) -> Response[None]:
        await reset_password.execute(
            ResetPasswordCommand(data.token, data.new_password, client_ip(request))
        )
        return Response(None, status_code=HTTP_204_NO_CONTENT, headers=NO_STORE)

    @post(
        "/email/verify",
        status_code=HTTP_204_NO_CONTENT,
        summary="Verify the account's email with a mailed verification link",
        responses={
            **no_content("The account's email is verified"),
            **problem_responses(
                {
                    400: f"{_INVALID_LINK}; or {MALFORMED_BODY}",
                    403: CROSS_SITE,
                    413: BODY_TOO_LARGE,
                    415: NOT_JSON,
                    503: STORE_DOWN,
                }
            ),
        },
    )
    async def verify_email(
        self,
        data: JSONBody[EmailVerification],
        request: Request[Any, Any, Any],
        verify_email: NamedDependency[VerifyEmail],
    ) -> Response[None]:
        await verify_email.execute(VerifyEmailCommand(data.token, client_ip(request)))
        return Response(None, status_code=HTTP_204_NO_CONTENT, headers=NO_STORE)


class VerificationMailController(Controller):
    """A fresh verification mail for the signed-in account (under the bearer router)."""

    path = "/auth"
    tags = ("recovery",)

    @post(
        "/email/verify/send",
        status_code=HTTP_202_ACCEPTED,
        summary="Mail a fresh verification link to the signed-in account",
        description="Nothing is sent when the email is verified already; the answer is the same.",
        security=[{"BearerToken": []}],
        responses=problem_responses(
            {
                401: BEARER_REFUSED,
                429: THROTTLED,
                503: STORE_DOWN,
            }
        ),
    )
    async def send_email_verification(
        self,
        request: Request[Principal, Any, Any],
        send_email_verification: NamedDependency[SendEmailVerification],
    ) -> Response[AcceptedBody]:
        await send_email_verification.execute(SendEmailVerificationCommand(request.user))
        return Response(ACCEPTED, status_code=HTTP_202_ACCEPTED, headers=NO_STORE)
