"""Litestar dependencies that ask the container, plus the bearer check.

dependency-injector's `@inject` is not used on handlers: Litestar would read its defaults as
request parameters. Each dependency here is a plain function over the container instead.

Litestar resolves a handler's independent dependencies as one batch, and a batch of more than
one in an anyio task group, which costs on every request (docs/performance.md, item 3). So no
handler has two independent dependencies: the bearer check asks the container for
`Authenticate` itself, the use cases of signed-in callers come after the bearer check, and the
token responder is asked for in the handler (`token_responder`) rather than injected.
"""

from __future__ import annotations

from typing import Any

from dependency_injector import providers
from litestar import Request
from litestar.di import NamedDependency, Provide

from application.authenticate import Authenticate
from application.results import Principal
from domain.errors import InvalidToken
from entrypoints.container import Container
from entrypoints.http.problems import INVALID_TOKEN, TOKEN_REFUSED
from entrypoints.http.responses import TokenResponder

BEARER_PREFIX = "bearer "


def _from(provider: providers.Provider[Any]) -> Provide:
    def dependency() -> Any:
        return provider()

    return Provide(dependency, sync_to_thread=False)


def _after_bearer_check(provider: providers.Provider[Any]) -> Provide:
    """A signed-in caller's use case, built once the bearer check has passed.

    Taking `principal` (unused) puts it in the batch after the check rather than beside it.
    """

    def dependency(principal: NamedDependency[Principal]) -> Any:
        del principal
        return provider()

    return Provide(dependency, sync_to_thread=False)


def container_dependencies(container: Container) -> dict[str, Provide]:
    def principal(request: Request[Any, Any, Any]) -> Principal:
        return provide_principal(request, container.authenticate())

    return {
        "register_user": _from(container.register_user),
        "login": _from(container.login),
        "refresh_session": _from(container.refresh_session),
        "logout": _from(container.logout),
        "get_current_user": _after_bearer_check(container.get_current_user),
        "logout_all": _after_bearer_check(container.logout_all),
        "list_sessions": _after_bearer_check(container.list_sessions),
        "revoke_session": _after_bearer_check(container.revoke_session),
        "change_password": _after_bearer_check(container.change_password),
        "request_password_reset": _from(container.request_password_reset),
        "reset_password": _from(container.reset_password),
        "verify_email": _from(container.verify_email),
        "send_email_verification": _after_bearer_check(container.send_email_verification),
        "delete_account": _after_bearer_check(container.delete_account),
        "check_health": _from(container.check_health),
        "principal": Provide(principal, sync_to_thread=False),
    }


def token_responder(request: Request[Any, Any, Any]) -> TokenResponder:
    """The container's token responder (`create_app` keeps the container in the app's state).

    Asked for per request, so provider overrides apply, but not injected: beside the handler's
    use case it would make a batch of two dependencies.
    """
    container: Container = request.app.state["container"]
    return container.token_responder()


def provide_principal(request: Request[Any, Any, Any], authenticate: Authenticate) -> Principal:
    """The bearer guard: only an access token in `Authorization: Bearer` gets through.

    RFC 6750 3: a 401 names the Bearer scheme, and says `invalid_token` once one was presented.
    """
    header = request.headers.get("authorization", "")
    if header[: len(BEARER_PREFIX)].lower() != BEARER_PREFIX or not header[len(BEARER_PREFIX) :]:
        raise INVALID_TOKEN.exception(
            "a bearer access token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        return authenticate.execute(header[len(BEARER_PREFIX) :].strip())
    except InvalidToken:
        raise INVALID_TOKEN.exception(
            TOKEN_REFUSED,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None
