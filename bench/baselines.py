"""The two baselines the service is measured against, in one tiny Litestar app.

- `GET /json`: a static body shaped like `/users/me`'s, no I/O: the framework and server cost.
- `GET /users/{id}`: one primary-key SELECT of the same `users` row and columns the service
  reads, through a bare asyncpg pool, returned as the same JSON: the cheapest way to answer
  `/users/me` from the database.

`bench/serve.py` serves it through `hexauth serve`'s own uvicorn call, so the baselines and the
service run with the same server, options and logging.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import msgspec
from litestar import Litestar, get
from litestar.exceptions import NotFoundException

from entrypoints.http.access_log import AccessLogMiddleware
from entrypoints.settings import Settings

_DEFAULTS = Settings.model_fields
POOL_MAX_SIZE: int = _DEFAULTS["db_pool_size"].default + _DEFAULTS["db_max_overflow"].default
"""As many connections as the service's pool may hold by default (DB_POOL_SIZE plus
DB_MAX_OVERFLOW, 15 + 5); `--env` experiments change the service's pool, never this one."""

_SELECT_USER = "SELECT id, email, password_hash, created_at, is_active FROM users WHERE id = $1"


class UserBody(msgspec.Struct):
    id: UUID
    email: str
    created_at: datetime


_STATIC = UserBody(
    id=UUID("00000000-0000-4000-8000-000000000001"),
    email="baseline@example.com",
    created_at=datetime(2025, 1, 1, tzinfo=UTC),
)


def create_app() -> Litestar:
    dsn = os.environ["BENCH_PG_DSN"]
    pools: list[asyncpg.Pool] = []

    async def open_pool() -> None:
        pools.append(await asyncpg.create_pool(dsn, min_size=1, max_size=POOL_MAX_SIZE))

    async def close_pool() -> None:
        for pool in pools:
            await pool.close()

    @get("/json")
    async def bare_json() -> UserBody:
        return _STATIC

    @get("/users/{user_id:uuid}")
    async def one_select(user_id: UUID) -> UserBody:
        row = await pools[0].fetchrow(_SELECT_USER, user_id)
        if row is None or not row["is_active"]:
            raise NotFoundException
        return UserBody(id=row["id"], email=row["email"], created_at=row["created_at"])

    return Litestar(
        route_handlers=[bare_json, one_select],
        on_startup=[open_pool],
        on_shutdown=[close_pool],
        # The service's own access line, as `hexauth serve` turns uvicorn's off for both.
        middleware=[AccessLogMiddleware()],
        logging_config=None,
        openapi_config=None,
        debug=False,
    )
