"""Litestar dependencies that ask the container, and the bearer check (entrypoints.http.bearer).

dependency-injector's `@inject` is not used on handlers: Litestar would read its defaults as
request parameters. Each dependency here is a plain `Provide` over a function that asks the
container, once per request, so provider overrides (tests) apply.
"""

from __future__ import annotations

from typing import Any

from dependency_injector import providers
from litestar.connection import ASGIConnection
from litestar.di import Provide

from application.authenticate import Authenticate
from application.results import Principal
from domain.errors import InvalidToken
from entrypoints.container import Container
from entrypoints.http.problems import INVALID_TOKEN, TOKEN_REFUSED
from entrypoints.http.responses import WithResponder

BEARER_PREFIX = "bearer "


def _from(provider: providers.Provider[Any]) -> Provide:
    def dependency() -> Any:
        return provider()

    return Provide(dependency, sync_to_thread=False)


def _with_responder(provider: providers.Provider[Any], container: Container) -> Provide:
    def dependency() -> WithResponder[Any]:
        return WithResponder(provider(), container.token_responder())

    return Provide(dependency, sync_to_thread=False)


def container_dependencies(container: Container) -> dict[str, Provide]:
    """One dependency per use case; those whose handlers answer with tokens or clear the
    refresh cookie come with the token responder (`WithResponder`)."""
    return {
        "register_user": _with_responder(container.register_user, container),
        "login": _with_responder(container.login, container),
        "refresh_session": _with_responder(container.refresh_session, container),
        "logout": _with_responder(container.logout, container),
        "get_current_user": _from(container.get_current_user),
        "logout_all": _with_responder(container.logout_all, container),
        "list_sessions": _from(container.list_sessions),
        "count_sessions": _from(container.count_sessions),
        "revoke_session": _with_responder(container.revoke_session, container),
        "change_password": _with_responder(container.change_password, container),
        "request_password_reset": _from(container.request_password_reset),
        "reset_password": _from(container.reset_password),
        "verify_email": _from(container.verify_email),
        "send_email_verification": _from(container.send_email_verification),
        "delete_account": _with_responder(container.delete_account, container),
        "login_with_code": _with_responder(container.login_with_code, container),
        "get_second_factors": _from(container.get_second_factors),
        "set_up_totp": _from(container.set_up_totp),
        "confirm_totp": _from(container.confirm_totp),
        "remove_totp": _from(container.remove_totp),
        "renew_recovery_codes": _from(container.renew_recovery_codes),
        "check_health": _from(container.check_health),
        "start_passkey_registration": _from(container.start_passkey_registration),
        "register_passkey": _from(container.register_passkey),
        "list_passkeys": _from(container.list_passkeys),
        "remove_passkey": _from(container.remove_passkey),
        "start_passkey_sign_in": _from(container.start_passkey_sign_in),
        "sign_in_with_passkey": _with_responder(container.sign_in_with_passkey, container),
    }


def provide_principal(
    request: ASGIConnection[Any, Any, Any, Any], authenticate: Authenticate
) -> Principal:
    """The bearer check: only an access token in `Authorization: Bearer` gets through.

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
