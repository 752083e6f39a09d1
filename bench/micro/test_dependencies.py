"""Litestar's per-request dependency work for two hot handlers: the handler's parameters read
from the request, its dependencies resolved (in an anyio task group whenever one batch holds
more than one), and the handler's signature model, as Litestar's HTTP route does before calling
the handler. Each call runs one coroutine on a fresh-per-session event loop, so the loop's own
cost is included alike in every case."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar, Request

from entrypoints.http.app import create_app

try:
    import uvloop

    _new_loop = uvloop.new_event_loop
except ImportError:  # pragma: no cover
    _new_loop = asyncio.new_event_loop


@pytest.fixture(scope="module")
def app(container) -> Litestar:
    return create_app(container)


@pytest.fixture(scope="module")
def loop():
    loop = _new_loop()
    yield loop
    loop.close()


def _prepare(app: Litestar, path: str, method: str, headers: list[tuple[bytes, bytes]]):
    route = next(route for route in app.routes if route.path == path)
    handler, kwargs_model = route.route_handler_map[method]  # type: ignore[union-attr]
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "state": {},
        "path_params": {},
        "litestar_app": app,
        "app": app,
        "route_handler": handler,
    }

    async def resolve() -> dict[str, Any]:
        request: Request[Any, Any, Any] = Request(scope)  # type: ignore[arg-type]
        kwargs = await kwargs_model.to_kwargs(connection=request)
        if kwargs_model.dependency_batches:
            async with await kwargs_model.resolve_dependencies(request, kwargs):
                pass
        return handler.signature_model.parse_values_from_connection_kwargs(
            connection=request, kwargs=kwargs
        )

    return resolve


def test_dependencies_users_me(benchmark, app, loop, access_token):
    """GET /users/me up to its handler: the use case (the bearer check is middleware before it,
    entrypoints/http/bearer.py; test_request_path.py times it)."""
    resolve = _prepare(
        app, "/users/me", "GET", [(b"authorization", f"Bearer {access_token}".encode())]
    )
    benchmark(lambda: loop.run_until_complete(resolve()))


def test_dependencies_auth_refresh(benchmark, app, loop):
    """POST /auth/refresh up to its handler: the CSRF header, the cookie and the dependencies
    (no token is parsed before the handler, so this is Litestar's work alone)."""
    resolve = _prepare(
        app,
        "/auth/refresh",
        "POST",
        [(b"x-requested-with", b"XMLHttpRequest"), (b"cookie", b"refresh_token=x")],
    )
    benchmark(lambda: loop.run_until_complete(resolve()))
