"""The second factor over HTTP (docs/api.md "Second factor"): TOTP, recovery codes, and the
second step of a sign-in. Translates only; the rules live in application/mfa/."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.mfa.confirm_totp import ConfirmTotp, ConfirmTotpCommand
from application.mfa.get_second_factors import GetSecondFactors, GetSecondFactorsCommand
from application.mfa.login_with_code import LoginWithCode, LoginWithCodeCommand
from application.mfa.remove_totp import RemoveTotp, RemoveTotpCommand
from application.mfa.renew_recovery_codes import RenewRecoveryCodes, RenewRecoveryCodesCommand
from application.mfa.set_up_totp import SetUpTotp, SetUpTotpCommand
from application.results import Principal
from domain.errors import InvalidCredentials
from entrypoints.http.controllers.auth import MAX_BODY_BYTES
from entrypoints.http.csrf import REFUSE_CROSS_SITE
from entrypoints.http.forwarded import client_ip
from entrypoints.http.json_body import require_json_body
from entrypoints.http.mfa_schemas import (
    MfaLogin,
    PasswordAndCode,
    PasswordConfirmation,
    RecoveryCodesBody,
    SecondFactorsBody,
    TotpCode,
    TotpSetupBody,
    answer_of,
)
from entrypoints.http.openapi import uses_refresh_cookie
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
from entrypoints.http.problems import MALFORMED_BODY as MALFORMED_BODY_PROBLEM
from entrypoints.http.problems import WRONG_CODE
from entrypoints.http.responses import NO_STORE, WithResponder
from entrypoints.http.schemas import TokenBody

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]
REFUSED_REAUTHENTICATION = (
    "The password is wrong, or the code is missing or wrong (exactly one of `code` and "
    "`recovery_code`); counted as a failed login (invalid-credentials)"
)
CODE_THROTTLED = (
    THROTTLED + "; also after 10 wrong codes for the account within AUTH_LOGIN_WINDOW, "
    "whatever the clients"
)
# JSON Schema for "exactly one of code and recovery_code": a body with both matches both
# branches, one with neither matches none, and `oneOf` refuses each.
EXACTLY_ONE_CODE = {"oneOf": [{"required": ["code"]}, {"required": ["recovery_code"]}]}
MfaLoginBody = Annotated[
    MfaLogin, Body(media_type=RequestEncodingType.JSON, schema_extra=EXACTLY_ONE_CODE)
]
PasswordAndCodeBody = Annotated[
    PasswordAndCode, Body(media_type=RequestEncodingType.JSON, schema_extra=EXACTLY_ONE_CODE)
]
_BODY = {400: MALFORMED_BODY, 413: BODY_TOO_LARGE, 415: NOT_JSON}
_BEARER = {401: BEARER_REFUSED, 503: STORE_DOWN}


class MfaLoginController(Controller):
    """The second step of a sign-in with TOTP: no bearer token, the `mfa_token` instead."""

    path = "/auth"
    tags = ("auth",)
    request_max_body_size = MAX_BODY_BYTES

    @post(
        "/login/mfa",
        operation_id="loginMfa",
        opt=uses_refresh_cookie(sets=200),
        status_code=200,
        middleware=[REFUSE_CROSS_SITE],
        guards=[require_json_body],
        summary="Finish signing in with a TOTP code or a recovery code",
        description="Takes the `mfa_token` of login's 403 `mfa-required` and exactly one of "
        "`code` (6 digits, surrounding spaces ignored; one 30-second step of drift either way; "
        "each accepted once) and `recovery_code` (case, spaces and hyphens ignored; used up). "
        "The throttles are checked first: 429 wins over everything else. A wrong code counts as "
        "a failed login for the account and client IP, and toward the account's 10 wrong codes "
        "per AUTH_LOGIN_WINDOW; after 5 wrong codes the `mfa_token` is dead. The account must "
        'still be enabled (and verified, where required). The session\'s `amr` is `["pwd", '
        '"otp", "mfa"]`.',
        responses=problem_responses(
            {
                400: "Neither or both of `code` and `recovery_code`, a value that is not a "
                "string, or " + MALFORMED_BODY[0].lower() + MALFORMED_BODY[1:],
                401: "The code is wrong (invalid-credentials); or the `mfa_token` is unknown, "
                "used, expired, dead after 5 wrong codes, or its password changed since "
                "(invalid-token)",
                403: "The account was disabled (account-disabled), or its email must be verified "
                "(email-unverified); or " + CROSS_SITE,
                413: BODY_TOO_LARGE,
                415: NOT_JSON,
                429: CODE_THROTTLED,
                503: STORE_DOWN,
            }
        ),
    )
    async def login_mfa(
        self,
        data: MfaLoginBody,
        request: Request[Any, Any, Any],
        login_with_code: NamedDependency[WithResponder[LoginWithCode]],
    ) -> Response[TokenBody]:
        answer = answer_of(data.code, data.recovery_code)
        if not answer.is_one:
            raise MALFORMED_BODY_PROBLEM.exception(
                "give exactly one of code and recovery_code",
                errors=[{"field": "code", "message": "exactly one of code and recovery_code"}],
            )
        command = LoginWithCodeCommand(
            data.mfa_token, answer, request.headers.get("user-agent"), client_ip(request)
        )
        try:
            result = await login_with_code.use_case.execute(command)
        except InvalidCredentials:
            raise WRONG_CODE.exception(
                "the code is wrong, used already, or a recovery code spent"
            ) from None
        return login_with_code.responder.tokens(result)


class MfaController(Controller):
    """The signed-in user's second factor. Every handler needs a bearer access token."""

    path = "/auth/mfa"
    tags = ("mfa",)
    request_max_body_size = MAX_BODY_BYTES

    @get(
        "/",
        operation_id="getMfa",
        summary="Which second factors protect the account",
        description="`totp` is false (and `recovery_codes_left` 0) while a setup is only "
        "pending; `passkeys` counts the account's passkeys.",
        security=BEARER,
        responses=problem_responses(_BEARER),
    )
    async def get_mfa(
        self,
        request: Request[Principal, Any, Any],
        get_second_factors: NamedDependency[GetSecondFactors],
    ) -> Response[SecondFactorsBody]:
        factors = await get_second_factors.execute(GetSecondFactorsCommand(request.user))
        body = SecondFactorsBody(factors.totp, factors.recovery_codes_left, factors.passkeys)
        return Response(body, headers=NO_STORE)

    @post(
        "/totp/setup",
        operation_id="setUpTotp",
        status_code=200,
        guards=[require_json_body],
        summary="Start TOTP: a fresh secret, pending until a code confirms it",
        description="Needs the password. The secret (160 random bits, base32) and its "
        "`otpauth://totp/<issuer>:<email>?secret=...&issuer=<issuer>` URI (issuer TOTP_ISSUER) "
        "are shown this once. A new setup replaces a pending one; sign-in is unchanged until "
        "`/auth/mfa/totp/confirm`.",
        security=BEARER,
        responses=problem_responses(
            {
                **_BEARER,
                **_BODY,
                403: "The password is wrong; counted as a failed login (invalid-credentials)",
                409: "TOTP is already on (mfa-already-enabled)",
                429: THROTTLED,
            }
        ),
    )
    async def set_up_totp(
        self,
        data: JSONBody[PasswordConfirmation],
        request: Request[Principal, Any, Any],
        set_up_totp: NamedDependency[SetUpTotp],
    ) -> Response[TotpSetupBody]:
        setup = await set_up_totp.execute(
            SetUpTotpCommand(request.user, data.password, client_ip(request))
        )
        return Response(TotpSetupBody(setup.secret, setup.otpauth_uri), headers=NO_STORE)

    @post(
        "/totp/confirm",
        operation_id="confirmTotp",
        status_code=200,
        guards=[require_json_body],
        summary="Turn TOTP on with a first code; returns 10 recovery codes",
        description="From now on sign-in needs a second factor. The 10 recovery codes are shown "
        "this once; each works once in place of a TOTP code. A wrong code counts as a failed "
        "login for the account and client IP.",
        security=BEARER,
        responses=problem_responses(
            {
                **_BEARER,
                **_BODY,
                400: "The code is wrong (invalid-code); or " + MALFORMED_BODY,
                409: "No setup is pending (mfa-not-enabled), or TOTP is already on "
                "(mfa-already-enabled)",
                429: CODE_THROTTLED,
            }
        ),
    )
    async def confirm_totp(
        self,
        data: JSONBody[TotpCode],
        request: Request[Principal, Any, Any],
        confirm_totp: NamedDependency[ConfirmTotp],
    ) -> Response[RecoveryCodesBody]:
        codes = await confirm_totp.execute(
            ConfirmTotpCommand(request.user, data.code, client_ip(request))
        )
        return Response(RecoveryCodesBody(codes), headers=NO_STORE)

    @delete(
        "/totp",
        operation_id="removeTotp",
        status_code=HTTP_204_NO_CONTENT,
        guards=[require_json_body],
        summary="Turn TOTP off: the secret and its recovery codes are gone",
        description="Needs the password and exactly one of `code` and `recovery_code`. Sessions "
        "and access tokens stay valid.",
        security=BEARER,
        responses={
            **no_content("TOTP and its recovery codes are gone"),
            **problem_responses(
                {
                    **_BEARER,
                    **_BODY,
                    403: REFUSED_REAUTHENTICATION,
                    409: "TOTP is not on (mfa-not-enabled)",
                    429: CODE_THROTTLED,
                }
            ),
        },
    )
    async def remove_totp(
        self,
        data: PasswordAndCodeBody,
        request: Request[Principal, Any, Any],
        remove_totp: NamedDependency[RemoveTotp],
    ) -> Response[None]:
        answer = answer_of(data.code, data.recovery_code)
        await remove_totp.execute(
            RemoveTotpCommand(request.user, data.password, answer, client_ip(request))
        )
        return Response(None, status_code=HTTP_204_NO_CONTENT, headers=NO_STORE)

    @post(
        "/recovery-codes",
        operation_id="renewRecoveryCodes",
        status_code=200,
        guards=[require_json_body],
        summary="Replace the recovery codes with 10 fresh ones",
        description="Needs the password and exactly one of `code` and `recovery_code`. Every "
        "earlier recovery code is dead; the new ones are shown this once.",
        security=BEARER,
        responses=problem_responses(
            {
                **_BEARER,
                **_BODY,
                403: REFUSED_REAUTHENTICATION,
                409: "TOTP is not on (mfa-not-enabled)",
                429: CODE_THROTTLED,
            }
        ),
    )
    async def renew_recovery_codes(
        self,
        data: PasswordAndCodeBody,
        request: Request[Principal, Any, Any],
        renew_recovery_codes: NamedDependency[RenewRecoveryCodes],
    ) -> Response[RecoveryCodesBody]:
        answer = answer_of(data.code, data.recovery_code)
        codes = await renew_recovery_codes.execute(
            RenewRecoveryCodesCommand(request.user, data.password, answer, client_ip(request))
        )
        return Response(RecoveryCodesBody(codes), headers=NO_STORE)
