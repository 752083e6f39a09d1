"""What an operator or a test does behind the API's back, on the running app's own engine.

The calls run on the TestClient's event loop (its blocking portal), where the app's pooled
connections live; another loop could not use them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from litestar.testing import TestClient
from sqlalchemy import text

from application.operator.set_account_active import AccountActivity, SetAccountActiveCommand
from entrypoints.container import Container

T = TypeVar("T")


def in_app(client: TestClient, call: Callable[..., Awaitable[T]], *args: Any) -> T:
    return client.blocking_portal.call(call, *args)


def set_active(
    client: TestClient, container: Container, email: str, active: bool
) -> AccountActivity:
    """What `hexauth users disable|enable EMAIL` does, through the same use case."""
    use_case = container.set_account_active()
    return in_app(client, use_case.execute, SetAccountActiveCommand(email, active))


def sql(client: TestClient, container: Container, statement: str, **params: Any) -> list[Any]:
    """Run one statement in its own committed transaction; the rows it returns, if any."""

    async def run() -> list[Any]:
        async with container.engine().begin() as connection:
            result = await connection.execute(text(statement), params)
            return list(result) if result.returns_rows else []

    return in_app(client, run)
