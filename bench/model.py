"""The sizing tables of docs/scaling.md, computed from measured per-request figures and the
assumptions below (printed with the tables, so that a reader can redo the sums)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from bench.meters import PerRequest
from bench.statements import Cost

BEARER_PER_USER_MINUTE = 2
"""Calls with an access token (such as GET /users/me) per active user per minute."""
ACCESS_TTL_SECONDS = 900
"""AUTH_ACCESS_TTL's default: each active user refreshes once per access token lifetime."""
UTILIZATION = 0.6
"""The share of each core planned for: headroom for bursts and for a lost instance."""
POOL_PER_INSTANCE = 15 + 5
"""DB_POOL_SIZE + DB_MAX_OVERFLOW, the defaults: PostgreSQL connections one worker may hold."""
MAX_CONNECTIONS = 100 - 3
"""PostgreSQL's default max_connections less superuser_reserved_connections."""
USERS = (10**4, 10**5, 10**6)
LOGIN_RATES = (10, 100, 1000)


@dataclass(frozen=True)
class Measured:
    me: PerRequest
    refresh: PerRequest
    login: PerRequest
    idle_cpu: float
    idle_transactions: float
    costs: dict[str, Cost]

    def rows(self) -> Iterator[tuple[str, PerRequest]]:
        yield "GET /users/me", self.me
        yield "POST /auth/refresh", self.refresh
        yield "POST /auth/login", self.login


def _redis(figures: PerRequest) -> float:
    return sum(figures.redis.values())


def _instances(cores: float) -> int:
    """Single-worker instances, one core each, run at UTILIZATION."""
    return max(1, math.ceil(cores / UTILIZATION))


def _n(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def print_model(measured: Measured) -> None:
    me, refresh, login = measured.me, measured.refresh, measured.login
    writes = {name: cost.writes for name, cost in measured.costs.items()}
    print(
        f"Assumptions: each active user makes {BEARER_PER_USER_MINUTE} bearer calls a minute and "
        f"refreshes every {ACCESS_TTL_SECONDS} s; instances are one worker on one core, planned "
        f"at {UTILIZATION:.0%}; each holds up to {POOL_PER_INSTANCE} PostgreSQL connections; "
        f"PostgreSQL allows {MAX_CONNECTIONS} (max_connections 100 less 3 reserved).\n"
    )
    print(
        "| active users | bearer calls/s | refreshes/s | cores | instances | "
        "PG connections (pool) | PG transactions/s | PG writes/s | Redis commands/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for users in USERS:
        bearer = users * BEARER_PER_USER_MINUTE / 60
        refreshes = users / ACCESS_TTL_SECONDS
        cores = (bearer * me.cpu_ms + refreshes * refresh.cpu_ms) / 1000
        instances = _instances(cores)
        transactions = bearer * me.transactions + refreshes * refresh.transactions
        written = bearer * writes["GET /users/me"] + refreshes * writes["POST /auth/refresh"]
        commands = bearer * _redis(me) + refreshes * _redis(refresh)
        print(
            f"| {users:,} | {_n(bearer)} | {_n(refreshes)} | {cores:.1f} | {instances} | "
            f"{instances * POOL_PER_INSTANCE:,} | {_n(transactions)} | {_n(written)} | "
            f"{_n(commands)} |"
        )
    print(
        "\n| logins/s | cores (argon2 included) | instances | PG connections (pool) | "
        "PG transactions/s | PG writes/s | Redis commands/s |"
    )
    print("|---|---|---|---|---|---|---|")
    for rate in LOGIN_RATES:
        cores = rate * login.cpu_ms / 1000
        instances = _instances(cores)
        print(
            f"| {rate:,} | {cores:.1f} | {instances} | {instances * POOL_PER_INSTANCE:,} | "
            f"{_n(rate * login.transactions)} | {_n(rate * writes['POST /auth/login'])} | "
            f"{_n(rate * _redis(login))} |"
        )
    walls = MAX_CONNECTIONS // POOL_PER_INSTANCE
    print(
        f"\nFirst wall: PostgreSQL connections. At the default pool, {walls} instances fill "
        f"max_connections; past that, a transaction-pooling PgBouncer (or smaller pools).\n"
        f"One core serves {1000 / me.cpu_ms:,.0f} bearer calls/s, {1000 / refresh.cpu_ms:,.0f} "
        f"refreshes/s or {1000 / login.cpu_ms:.1f} logins/s.",
        flush=True,
    )
