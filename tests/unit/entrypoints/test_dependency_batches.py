"""Litestar resolves a batch of more than one independent dependency in an anyio task group, on
every request; the app's handlers are built so that each batch holds one dependency."""

from __future__ import annotations

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.routes import HTTPRoute

from adapters.tokens.keys import new_key_entry
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings


@pytest.fixture(scope="module")
def app() -> Litestar:
    container = Container()
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", auth_keys=new_key_entry("t"))
    container.settings.override(providers.Object(settings))
    return create_app(container)


def batches(app: Litestar, path: str, method: str) -> list[list[str]]:
    route = next(r for r in app.routes if r.path == path and isinstance(r, HTTPRoute))
    _, kwargs_model = route.route_handler_map[method]
    return [
        sorted(dependency.key for dependency in batch) for batch in kwargs_model.dependency_batches
    ]


def test_no_handler_has_two_dependencies_in_one_batch(app: Litestar) -> None:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (_, kwargs_model) in route.route_handler_map.items():
            sizes = [len(batch) for batch in kwargs_model.dependency_batches]
            assert all(size == 1 for size in sizes), (method, route.path, sizes)


def test_the_bearer_check_comes_before_the_signed_in_callers_use_case(app: Litestar) -> None:
    assert batches(app, "/users/me", "GET") == [["principal"], ["get_current_user"]]
    assert batches(app, "/auth/password", "POST") == [["principal"], ["change_password"]]


def test_signing_in_resolves_only_its_use_case(app: Litestar) -> None:
    assert batches(app, "/auth/login", "POST") == [["login"]]
    assert batches(app, "/auth/refresh", "POST") == [["refresh_session"]]
