"""The signed-in user's passkeys over HTTP (docs/api.md "Passkeys"); signing in with one is
entrypoints/http/controllers/passkey_sign_in.py."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.passkeys.list_passkeys import ListPasskeys, ListPasskeysCommand
from application.passkeys.register_passkey import RegisterPasskey, RegisterPasskeyCommand
from application.passkeys.remove_passkey import RemovePasskey, RemovePasskeyCommand
from application.passkeys.start_passkey_registration import (
    StartPasskeyRegistration,
    StartPasskeyRegistrationCommand,
)
from application.results import Principal
from entrypoints.http.controllers.account import BEARER
from entrypoints.http.controllers.auth import MAX_BODY_BYTES
from entrypoints.http.forwarded import client_ip
from entrypoints.http.json_body import require_json_body
from entrypoints.http.problem_docs import (
    BEARER_REFUSED,
    BODY_TOO_LARGE,
    MALFORMED_BODY,
    NOT_A_CREDENTIAL,
    NOT_JSON,
    STORE_DOWN,
    THROTTLED,
    UNREADABLE_PARAMETERS,
    no_content,
    problem_responses,
)
from entrypoints.http.responses import NO_STORE
from entrypoints.http.schemas import (
    CeremonyBody,
    PasskeyBody,
    PasskeyRegistration,
    PasskeyRegistrationStart,
)

_BODY_PROBLEMS = {400: MALFORMED_BODY, 413: BODY_TOO_LARGE, 415: NOT_JSON, 503: STORE_DOWN}


class PasskeyController(Controller):
    """The signed-in user's passkeys. Every handler needs a bearer access token."""

    path = "/auth/passkeys"
    tags = ("passkeys",)
    request_max_body_size = MAX_BODY_BYTES

    @post(
        "/register/options",
        status_code=200,
        guards=[require_json_body],
        summary="Begin adding a passkey: the password again, then the creation options",
        description="A stolen access token alone cannot add a sign-in method: the password "
        "(and, for an account with TOTP, a `code` or `recovery_code`) is checked first, "
        "throttled as a login of the account. The options ask for a discoverable credential "
        "with user verification, attestation `none`, and exclude the account's passkeys. "
        "`ceremony` goes back with the credential within 300 seconds, once.",
        security=BEARER,
        responses=problem_responses(
            {
                **_BODY_PROBLEMS,
                401: BEARER_REFUSED,
                403: "The password (or the code) is wrong (invalid-credentials)",
                429: THROTTLED,
            }
        ),
    )
    async def passkey_registration_options(
        self,
        data: JSONBody[PasskeyRegistrationStart],
        request: Request[Principal, Any, Any],
        start_passkey_registration: NamedDependency[StartPasskeyRegistration],
    ) -> Response[CeremonyBody]:
        started = await start_passkey_registration.execute(
            StartPasskeyRegistrationCommand(
                request.user, data.password, data.code, data.recovery_code, client_ip(request)
            )
        )
        return Response(CeremonyBody.of(started), headers=NO_STORE)

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        guards=[require_json_body],
        summary="Finish adding a passkey",
        description="`credential` is what `PublicKeyCredential.toJSON()` returns for the "
        "creation options; `name` is 1-64 characters, `Passkey` when left out.",
        security=BEARER,
        responses=problem_responses(
            {
                **_BODY_PROBLEMS,
                400: "The registration does not verify: a bad attestation, a wrong origin or RP "
                "ID, a used or expired ceremony, a credential already registered "
                "(invalid-passkey); " + MALFORMED_BODY + NOT_A_CREDENTIAL,
                401: BEARER_REFUSED,
                422: "The name is not 1-64 characters (validation-error, field `name`)",
            }
        ),
    )
    async def register_passkey(
        self,
        data: JSONBody[PasskeyRegistration],
        request: Request[Principal, Any, Any],
        register_passkey: NamedDependency[RegisterPasskey],
    ) -> Response[PasskeyBody]:
        passkey = await register_passkey.execute(
            RegisterPasskeyCommand(request.user, data.ceremony, data.credential, data.name)
        )
        return Response(PasskeyBody.of(passkey), status_code=HTTP_201_CREATED, headers=NO_STORE)

    @get(
        "",
        summary="The user's passkeys, newest first",
        security=BEARER,
        responses=problem_responses({401: BEARER_REFUSED, 503: STORE_DOWN}),
    )
    async def list_passkeys(
        self,
        request: Request[Principal, Any, Any],
        list_passkeys: NamedDependency[ListPasskeys],
    ) -> Response[list[PasskeyBody]]:
        passkeys = await list_passkeys.execute(ListPasskeysCommand(request.user))
        return Response([PasskeyBody.of(passkey) for passkey in passkeys], headers=NO_STORE)

    @delete(
        "/{passkey_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove one of the user's passkeys",
        description="Any id that is not one of the caller's passkeys is 404, whether it "
        "exists or not. Sessions it signed in stay; access tokens stay valid until they expire.",
        security=BEARER,
        responses={
            **no_content("The passkey is removed"),
            **problem_responses(
                {
                    400: UNREADABLE_PARAMETERS,
                    401: BEARER_REFUSED,
                    404: "Not one of the caller's passkeys",
                    503: STORE_DOWN,
                }
            ),
        },
    )
    async def remove_passkey(
        self,
        passkey_id: FromPath[str],
        request: Request[Principal, Any, Any],
        remove_passkey: NamedDependency[RemovePasskey],
    ) -> Response[None]:
        await remove_passkey.execute(RemovePasskeyCommand(request.user, passkey_id))
        return Response(None, status_code=HTTP_204_NO_CONTENT)
