"""What each request costs the database, counted in-process on the real app and adapters.

SQLAlchemy's engine events count, per request, the statements the service runs (and how many
of them write) and the transactions it opens; the mail sender's own passes (its task,
`mail-outbox`, polls on its own clock) are left out. The counts do not depend on the machine,
so tests/integration/system/test_statement_counts.py checks that docs/scaling.md still states
them (the table `table()` prints).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from dependency_injector import providers
from litestar.testing import TestClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.tokens.keys import new_key_entry
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.fakes.lifecycle import RecordingMailSender

BASE_URL = "https://testserver.local"  # https: the refresh cookie is Secure
CSRF = {"X-Requested-With": "XMLHttpRequest"}
COOKIE = "__Secure-refresh_token"
PASSWORD = "capacity-password-0123456789"  # noqa: S105
MAIL_SENDER_TASK = "mail-outbox"
WRITES = ("INSERT", "UPDATE", "DELETE")
REQUESTS = ("POST /auth/register", "POST /auth/login", "POST /auth/refresh", "GET /users/me")


@dataclass(frozen=True)
class Cost:
    statements: int
    writes: int
    transactions: int


class Tally:
    """Statements and transactions on `engine` outside the mail sender's task, since `take()`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements = self.writes = self.transactions = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(engine.sync_engine, "begin", self._begin)

    def take(self) -> Cost:
        cost = Cost(self.statements, self.writes, self.transactions)
        self.statements = self.writes = self.transactions = 0
        return cost

    def _counted(self) -> bool:
        # The listeners run on the request's task (SQLAlchemy's greenlet runs inside it).
        task = asyncio.current_task()
        return task is None or task.get_name() != MAIL_SENDER_TASK

    def _statement(self, *args: Any) -> None:
        statement: str = args[2]
        if self._counted():
            self.statements += 1
            self.writes += statement.lstrip().upper().startswith(WRITES)

    def _begin(self, connection: Any) -> None:
        if self._counted():
            self.transactions += 1


@contextmanager
def counting_client(database_url: str) -> Iterator[tuple[TestClient[Any], Tally]]:
    """The app on a migrated database at `database_url` (argon2 at its cheapest: the hash
    costs CPU, not statements), and the tally of its engine."""
    container = Container()
    settings = Settings(
        database_url=database_url,
        auth_keys=new_key_entry("capacity"),
        argon2_time_cost=1,
        argon2_memory_kib=64,
        argon2_parallelism=1,
    )
    container.settings.override(providers.Object(settings))
    # The registration mails stay in memory (no .eml files in the working directory).
    container.mail_sender.override(providers.Object(RecordingMailSender()))
    tally = Tally(container.engine())
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        yield client, tally


def cost_per_request(database_url: str, rounds: int = 3) -> dict[str, Cost]:
    """Each of REQUESTS made `rounds` times on fresh accounts; its cost, which must be the same
    every round (a difference is reported, not averaged away)."""
    seen: dict[str, set[Cost]] = {name: set() for name in REQUESTS}
    with counting_client(database_url) as (client, tally):
        for n in range(rounds):
            for name, cost in _one_round(client, tally, f"capacity{n}@example.com"):
                seen[name].add(cost)
    varying = {name: costs for name, costs in seen.items() if len(costs) != 1}
    if varying:
        raise RuntimeError(f"a request's cost varied between rounds: {varying}")
    return {name: costs.pop() for name, costs in seen.items()}


def _one_round(client: TestClient[Any], tally: Tally, email: str) -> Iterator[tuple[str, Cost]]:
    account = {"email": email, "password": PASSWORD}
    steps: list[tuple[str, Callable[[], httpx.Response]]] = [
        ("POST /auth/register", lambda: client.post("/auth/register", json=account)),
        ("POST /auth/login", lambda: client.post("/auth/login", json=account)),
    ]
    responses: dict[str, httpx.Response] = {}
    for name, send in steps:
        tally.take()
        responses[name] = _ok(send())
        yield name, tally.take()
    login = responses["POST /auth/login"]
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    tally.take()
    _ok(client.get("/users/me", headers=bearer))
    yield "GET /users/me", tally.take()
    client.cookies.clear()
    cookie = login.headers["set-cookie"].split(";", 1)[0]
    tally.take()
    _ok(client.post("/auth/refresh", headers={**CSRF, "Cookie": cookie}))
    yield "POST /auth/refresh", tally.take()


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.url} -> {response.status_code}: {response.text}")
    return response


def table(costs: dict[str, Cost]) -> str:
    """The Markdown table docs/scaling.md holds verbatim."""
    lines = [
        "| request | SQL statements | of them writes | transactions |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{name}` | {cost.statements} | {cost.writes} | {cost.transactions} |"
        for name, cost in costs.items()
    ]
    return "\n".join(lines)
