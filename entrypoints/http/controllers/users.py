from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency

from application.get_current_user import GetCurrentUser
from application.results import Principal
from entrypoints.http.problem_docs import STORE_DOWN, problem_responses
from entrypoints.http.schemas import UserBody


class UsersController(Controller):
    path = "/users"
    tags = ("users",)

    @get(
        "/me",
        operation_id="getMe",
        summary="The signed-in user",
        security=[{"BearerToken": []}],
        responses=problem_responses(
            {
                401: "No access token, or one that is invalid or expired, or whose account is "
                "gone or disabled; `WWW-Authenticate: Bearer` says which (invalid-token)",
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
