"""The capacity model's measurements (docs/scaling.md, "Capacity model"), reproducible:

    uv run python -m bench.capacity [--me 3000 --refresh 1000 --logins 30]

1. Statements, writes and transactions per request, counted in-process (bench/statements.py).
2. `hexauth serve` (one worker, argon2 at the service's default cost) on a database of its own
   and a Redis server of its own; per request of each kind, over a run of many: the CPU time of
   the server process (/proc: user + system, every thread, the hashing pool's included), the
   transactions PostgreSQL counted for the database (pg_stat_database), and the Redis commands
   (INFO commandstats). CPU time per request depends much less on what else loads the machine
   than requests per second do, so no rate is reported. What the process does when idle (the mail
   sender's polling) is measured first and subtracted.
3. The sizing tables, computed from those figures and the assumptions printed with them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from adapters.persistence import migrate
from adapters.security.argon2_hasher import Argon2Cost
from adapters.tokens.keys import new_key_entry
from bench import seed
from bench.meters import Meters, idle_rates, measure
from bench.model import Measured, print_model
from bench.statements import Cost, cost_per_request, table
from tests.redis_server import own_redis_server
from tests.support.ports import free_port
from tests.support.postgres import create_database, drop_database, postgres_server

ROOT = Path(__file__).resolve().parents[1]
UNLIMITED = str(10**9)


@contextlib.contextmanager
def serving(database_url: str, redis_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "ARGON2_", "DB_"))
    }
    env = {
        **inherited,
        "PYTHONPATH": str(ROOT),
        "APP_ENV": "development",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "AUTH_KEYS": new_key_entry("capacity"),
        "AUTH_COOKIE_SECURE": "false",  # plain HTTP on loopback: the cookie is `refresh_token`
        "AUTH_LOGIN_MAX_FAILURES_PER_IP": UNLIMITED,
        "AUTH_REGISTER_MAX_PER_IP": UNLIMITED,
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below: the server writes to it)
    # Its working directory, where development mail lands as .eml files (.data/outbox).
    folder = tempfile.TemporaryDirectory(prefix="hexauth-capacity-")
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve"],
        env=env,
        cwd=folder.name,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        try:
            seed.wait_until_up(base_url, "/health", process)
        except RuntimeError:
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-3000:])
            raise
        yield base_url, process
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        folder.cleanup()


def run(args: argparse.Namespace) -> None:
    with contextlib.ExitStack() as stack:
        admin_url = stack.enter_context(postgres_server())
        database_url = create_database(admin_url, prefix="hexauth_capacity")
        stack.callback(drop_database, admin_url, database_url)
        migrate.upgrade(database_url)
        costs = cost_per_request(database_url)
        print("Per request, counted in-process (bench/statements.py):\n")
        print(table(costs) + "\n", flush=True)

        redis_url = stack.enter_context(own_redis_server())
        base_url, process = stack.enter_context(serving(database_url, redis_url))
        database = database_url.rsplit("/", 1)[1]
        meters = Meters(process.pid, admin_url, database, redis_url)
        measured = measure_server(base_url, meters, args, costs)
        print_server_figures(measured)
        print_model(measured)


def measure_server(
    base_url: str, meters: Meters, args: argparse.Namespace, costs: dict[str, Cost]
) -> Measured:
    threads = args.threads
    emails = [f"capacity-{n}@example.com" for n in range(threads)]
    for email in emails:
        seed.register(base_url, email)
    logins = [seed.login(base_url, email) for email in emails]
    tokens = [seed.access_token(response) for response in logins]
    cookies = [seed.cookie_pair(response, "refresh_token") for response in logins]
    idle = idle_rates(meters, args.idle)
    clients = [httpx.Client(base_url=base_url, timeout=60) for _ in range(threads)]

    def me(n: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[n % threads]}"}
        _ok(clients[n % threads].get("/users/me", headers=headers))

    def refresh(n: int) -> None:
        # Each thread's session, rotated on and on: every request presents the newest token.
        slot = n % threads
        headers = {"X-Requested-With": "XMLHttpRequest", "Cookie": cookies[slot]}
        response = _ok(clients[slot].post("/auth/refresh", headers=headers))
        cookies[slot] = seed.cookie_pair(response, "refresh_token")

    def login(n: int) -> None:
        account = {"email": emails[n % threads], "password": seed.PASSWORD}
        _ok(clients[n % threads].post("/auth/login", json=account))

    try:
        return Measured(
            me=measure(meters, idle, args.me, threads, me),
            refresh=measure(meters, idle, args.refresh, threads, refresh),
            # One at a time: the hashing pool queues the rest, and past ARGON2_QUEUE_TIMEOUT on
            # a busy machine it would refuse them (503).
            login=measure(meters, idle, args.logins, 1, login),
            idle_cpu=idle.cpu,
            idle_transactions=idle.transactions,
            costs=costs,
        )
    finally:
        for client in clients:
            client.close()


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url} -> {response.status_code}: {response.text}")
    return response


def print_server_figures(measured: Measured) -> None:
    print("Per request, measured on `hexauth serve` (one worker, default argon2 cost):\n")
    print("| request | CPU ms | PostgreSQL transactions | Redis commands |")
    print("|---|---|---|---|")
    for name, figures in measured.rows():
        shown = {k: v for k, v in sorted(figures.redis.items()) if round(v, 2) > 0}
        commands = f"{sum(shown.values()):.2f}"
        if shown:
            commands += " (" + ", ".join(f"{k} {v:.2f}" for k, v in shown.items()) + ")"
        print(f"| `{name}` | {figures.cpu_ms:.2f} | {figures.transactions:.2f} | {commands} |")
    print(
        f"\nOne argon2id verify at the default cost, in this process: "
        f"{argon2_verify_cpu_ms():.0f} ms CPU.\n"
        f"Idle, per second: {measured.idle_cpu * 1000:.1f} ms CPU and "
        f"{measured.idle_transactions:.2f} transactions (the mail sender's polling).\n",
        flush=True,
    )


def argon2_verify_cpu_ms(rounds: int = 5) -> float:
    """CPU time (every thread: argon2-cffi runs each lane on one) of one verify, the median."""
    cost = Argon2Cost()
    hasher = PasswordHasher(cost.time_cost, cost.memory_kib, parallelism=cost.parallelism)
    hashed = hasher.hash(seed.PASSWORD)
    times = []
    for _ in range(rounds):
        start = time.process_time()
        hasher.verify(hashed, seed.PASSWORD)
        times.append(time.process_time() - start)
    return 1000 * statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--me", type=int, default=3000, help="GET /users/me requests")
    parser.add_argument("--refresh", type=int, default=1000, help="POST /auth/refresh requests")
    parser.add_argument("--logins", type=int, default=30, help="POST /auth/login requests")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle measured")
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
