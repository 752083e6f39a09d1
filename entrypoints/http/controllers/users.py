from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.delete_account import DeleteAccount, DeleteAccountCommand
from application.get_current_user import GetCurrentUser
from application.results import Principal
from entrypoints.http.forwarded import client_ip
from entrypoints.http.json_body import require_json_body
from entrypoints.http.mfa_schemas import answer_of
from entrypoints.http.problem_docs import (
    BEARER_REFUSED,
    BODY_TOO_LARGE,
    MALFORMED_BODY,
    NOT_JSON,
    STORE_DOWN,
    THROTTLED,
    no_content,
    problem_responses,
)
from entrypoints.http.responses import NO_STORE, WithResponder
from entrypoints.http.schemas import AccountDeletion, UserBody


class UsersController(Controller):
    path = "/users"
    tags = ("users",)
    request_max_body_size = 16 * 1024  # docs/api.md: bodies over 16 KiB on /users/* are refused

    @get(
        "/me",
        operation_id="getMe",
        summary="The signed-in user",
        security=[{"BearerToken": []}],
        responses=problem_responses(
            {
                401: BEARER_REFUSED,
                503: STORE_DOWN,
            }
        ),
    )
    async def me(
        self,
        request: Request[Principal, Any, Any],
        get_current_user: NamedDependency[GetCurrentUser],
    ) -> UserBody:
        return UserBody.of(await get_current_user.execute(request.user))

    @delete(
        "/me",
        status_code=HTTP_204_NO_CONTENT,
        guards=[require_json_body],
        summary="Delete the signed-in account, after confirming its password",
        description="The account, its sessions, links, second factors and queued mail are gone "
        "in one transaction, and this device's refresh cookie is cleared. When the account has "
        "TOTP, exactly one of `code` and `recovery_code` is required too; without TOTP both are "
        "ignored. A wrong password or code counts as a failed login for the account and client "
        "IP.",
        security=[{"BearerToken": []}],
        responses={
            **no_content("The account is gone; the cookie is cleared"),
            **problem_responses(
                {
                    400: MALFORMED_BODY,
                    401: BEARER_REFUSED,
                    403: "The password is wrong, or the account has TOTP and the code is "
                    "missing or wrong (invalid-credentials)",
                    413: BODY_TOO_LARGE,
                    415: NOT_JSON,
                    429: THROTTLED,
                    503: STORE_DOWN,
                }
            ),
        },
    )
    async def delete_me(
        self,
        data: JSONBody[AccountDeletion],
        request: Request[Principal, Any, Any],
        delete_account: NamedDependency[WithResponder[DeleteAccount]],
    ) -> Response[None]:
        await delete_account.use_case.execute(
            DeleteAccountCommand(
                request.user,
                data.password,
                client_ip(request),
                answer_of(data.code, data.recovery_code),
            )
        )
        cookies = [delete_account.responder.cookie.clear()]
        return Response(None, status_code=HTTP_204_NO_CONTENT, headers=NO_STORE, cookies=cookies)
