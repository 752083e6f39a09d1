"""The fallback load generator, used only where wrk is not installed.

    python -m bench.loadgen get|login|register|refresh URL --connections N --duration S

Same scenarios and environment variables as the wrk scripts in bench/wrk/, same closing
`BENCHJSON {...}` line. It is a closed loop of keep-alive HTTP/1.1 connections on asyncio
(uvloop when available) with a minimal client, not httpx, so that the generator itself costs
as little CPU as possible; it is still several times more expensive per request than wrk, so
on two cores it caps the cheap endpoints lower than wrk would. Prefer `apt-get install wrk`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import os
import time
from collections.abc import Callable
from urllib.parse import urlsplit


def _json_body(email: str, password: str) -> bytes:
    return json.dumps({"email": email, "password": password}).encode()


class Scenario:
    """Builds each request and reads each response, like the Lua scripts."""

    def __init__(self, kind: str, host: str, path: str) -> None:
        self.kind = kind
        self._head = f"{{method}} {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n"
        self._counter = itertools.count(1)
        self._pool: collections.deque[str] = collections.deque()
        self._initial: list[str] = []
        self.delay = float(os.environ.get("BENCH_DELAY_MS") or 0) / 1000
        if kind == "refresh":
            with open(os.environ["BENCH_COOKIE_FILE"]) as cookies:
                self._initial = [line.strip() for line in cookies if line.strip()]
            self._pool.extend(self._initial)

    def request(self) -> bytes:
        env = os.environ
        if self.kind == "get":
            token = env.get("BENCH_TOKEN", "")
            auth = f"Authorization: Bearer {token}\r\n" if token else ""
            return (self._head.format(method="GET") + auth + "\r\n").encode()
        if self.kind == "refresh":
            cookie = self._pool.popleft() if self._pool else self._initial[0]
            extra = f"Cookie: {cookie}\r\nX-Requested-With: XMLHttpRequest\r\n"
            return (self._head.format(method="POST") + extra + "Content-Length: 0\r\n\r\n").encode()
        if self.kind == "login":
            body = _json_body(env["BENCH_EMAIL"], env["BENCH_PASSWORD"])
        else:
            email = f"{env['BENCH_PREFIX']}-1-{next(self._counter)}@example.com"
            body = _json_body(email, env["BENCH_PASSWORD"])
        head = self._head.format(method="POST")
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode() + body

    def response(self, status: int, headers: dict[str, str]) -> None:
        if self.kind == "refresh" and status == 200 and "set-cookie" in headers:
            pair = headers["set-cookie"].split(";", 1)[0].strip()
            if pair and not pair.endswith("="):
                self._pool.append(pair)


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, scenario: Scenario
) -> int:
    writer.write(scenario.request())
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    await reader.readexactly(int(headers.get("content-length", "0")))
    scenario.response(status, headers)
    return status


async def _connection(
    host: str,
    port: int,
    scenario: Scenario,
    deadline: float,
    patience: float,
    record: Callable[..., None],
) -> None:
    """Requests one after another; like wrk, one that takes longer than `patience` is counted
    as a timeout (not a latency) and the connection is opened afresh."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status = await asyncio.wait_for(_exchange(reader, writer, scenario), patience)
            except TimeoutError:
                record(None, None)
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            record(time.perf_counter() - started, status)
            if scenario.delay:
                await asyncio.sleep(scenario.delay)
    finally:
        writer.close()


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _main(args: argparse.Namespace) -> dict[str, object]:
    target = urlsplit(args.url)
    host, port = target.hostname or "127.0.0.1", target.port or 80
    scenario = Scenario(args.scenario, f"{host}:{port}", target.path or "/")
    latencies: list[float] = []
    by_status: dict[int, list[float]] = collections.defaultdict(list)
    errors = collections.Counter[str]()

    def record(seconds: float | None, status: int | None) -> None:
        if seconds is None or status is None:
            errors["timeout"] += 1
            return
        latencies.append(seconds)
        by_status[status].append(seconds)
        if status > 399:
            errors["status"] += 1

    started = time.perf_counter()
    deadline = started + args.duration
    tasks = [
        asyncio.create_task(
            asyncio.wait_for(
                _connection(host, port, scenario, deadline, args.timeout, record),
                args.duration + args.timeout,
            )
        )
        for _ in range(args.connections)
    ]
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, TimeoutError):
            errors["timeout"] += 1
        elif isinstance(outcome, ConnectionError | asyncio.IncompleteReadError):
            errors["read"] += 1
        elif isinstance(outcome, OSError):
            errors["connect"] += 1
        elif isinstance(outcome, BaseException):
            raise outcome
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    micro = 1_000_000
    return {
        "requests": len(ordered),
        "duration_s": round(elapsed, 3),
        "rps": len(ordered) / elapsed,
        "lat_p50_us": int(_percentile(ordered, 0.50) * micro),
        "lat_p90_us": int(_percentile(ordered, 0.90) * micro),
        "lat_p99_us": int(_percentile(ordered, 0.99) * micro),
        "lat_mean_us": (sum(ordered) / len(ordered) * micro) if ordered else 0.0,
        "lat_max_us": int((ordered[-1] if ordered else 0) * micro),
        "err_connect": errors["connect"],
        "err_read": errors["read"],
        "err_write": 0,
        "err_status": errors["status"],
        "err_timeout": errors["timeout"],
        "statuses": {str(status): len(times) for status, times in sorted(by_status.items())},
        "lat_p99_by_status_us": {
            str(status): int(_percentile(sorted(times), 0.99) * micro)
            for status, times in sorted(by_status.items())
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=["get", "login", "register", "refresh"])
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    try:
        from uvloop import run
    except ImportError:
        run = asyncio.run
    print("BENCHJSON " + json.dumps(run(_main(args))), flush=True)


if __name__ == "__main__":
    main()
