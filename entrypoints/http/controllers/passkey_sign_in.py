"""Signing in with a passkey over HTTP (docs/api.md "Passkeys"): no account is named and no
access token is needed; the authenticator offers the credentials it holds for this site."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from application.passkeys.sign_in_with_passkey import SignInWithPasskey, SignInWithPasskeyCommand
from application.passkeys.start_passkey_sign_in import (
    StartPasskeySignIn,
    StartPasskeySignInCommand,
)
from entrypoints.http.controllers.auth import MAX_BODY_BYTES
from entrypoints.http.csrf import REFUSE_CROSS_SITE
from entrypoints.http.forwarded import client_ip
from entrypoints.http.json_body import require_json_body
from entrypoints.http.openapi import uses_refresh_cookie
from entrypoints.http.problem_docs import (
    BODY_TOO_LARGE,
    CROSS_SITE,
    MALFORMED_BODY,
    NOT_A_CREDENTIAL,
    NOT_JSON,
    STORE_DOWN,
    THROTTLED,
    UNREADABLE_PARAMETERS,
    problem_responses,
)
from entrypoints.http.responses import NO_STORE, WithResponder
from entrypoints.http.schemas import CeremonyBody, PasskeySignIn, TokenBody


class PasskeySignInController(Controller):
    """Signing in with a passkey: no account is named, the authenticator offers its own."""

    path = "/auth/passkeys/login"
    tags = ("auth",)
    request_max_body_size = MAX_BODY_BYTES

    @post(
        "/options",
        status_code=200,
        middleware=[REFUSE_CROSS_SITE],
        summary="Begin signing in with a passkey: the request options",
        description="Takes no body and names no account, so it tells nothing about accounts. "
        "The options have no `allowCredentials` (discoverable credentials) and require user "
        "verification. Every request counts toward the client IP's login limit "
        "(AUTH_LOGIN_MAX_FAILURES_PER_IP).",
        responses=problem_responses(
            {400: UNREADABLE_PARAMETERS, 403: CROSS_SITE, 429: THROTTLED, 503: STORE_DOWN}
        ),
    )
    async def passkey_login_options(
        self,
        request: Request[Any, Any, Any],
        start_passkey_sign_in: NamedDependency[StartPasskeySignIn],
    ) -> Response[CeremonyBody]:
        started = await start_passkey_sign_in.execute(StartPasskeySignInCommand(client_ip(request)))
        return Response(CeremonyBody.of(started), headers=NO_STORE)

    @post(
        "",
        opt=uses_refresh_cookie(sets=200),
        status_code=200,
        middleware=[REFUSE_CROSS_SITE],
        guards=[require_json_body],
        summary="Sign in with a passkey",
        description="`credential` is what `PublicKeyCredential.toJSON()` returns for the "
        'request options. The session\'s `amr` is `["hwk", "user", "mfa"]`: a passkey '
        "with user verification is multi-factor, so TOTP is never asked. A failure counts "
        "toward the client IP's login limit.",
        responses=problem_responses(
            {
                400: MALFORMED_BODY + NOT_A_CREDENTIAL,
                413: BODY_TOO_LARGE,
                415: NOT_JSON,
                503: STORE_DOWN,
                401: "An unknown credential, a bad signature, a wrong origin, a used or expired "
                "ceremony, a signature counter gone backwards, alike (invalid-credentials)",
                403: "The passkey is right but the account is disabled (account-disabled) or "
                "its email unverified where that is required (email-unverified); or " + CROSS_SITE,
                429: THROTTLED,
            }
        ),
    )
    async def passkey_login(
        self,
        data: JSONBody[PasskeySignIn],
        request: Request[Any, Any, Any],
        sign_in_with_passkey: NamedDependency[WithResponder[SignInWithPasskey]],
    ) -> Response[TokenBody]:
        result = await sign_in_with_passkey.use_case.execute(
            SignInWithPasskeyCommand(
                data.ceremony,
                data.credential,
                request.headers.get("user-agent"),
                client_ip(request),
            )
        )
        return sign_in_with_passkey.responder.tokens(result)
