"""`make bench`: hexauth against its baselines, measured in the same run, in alternating rounds.

    uv run python -m bench [--quick] [--rounds N]
        [--phases me,refresh,jws,login,register,storm,workers]

It starts PostgreSQL the way the tests find it (bench/postgres.py), migrates a fresh database,
starts the service with `hexauth serve` (one worker unless --workers says otherwise) and the
baselines (bench/baselines.py, served the same way), all pinned to the server CPU, and drives
them with wrk pinned to the load CPU. Each round measures the service and its baselines back
to back, in an order that alternates from round to round, and measures the argon2 hash-bound
limit in-process. The jws phase measures /users/me and refresh again on a second service whose
access tokens are signed (AUTH_ACCESS_TOKEN_FORMAT=jws). Then the micro-benchmarks (bench/micro/,
pytest-benchmark) run. It prints the table and writes results.jsonl, report.md and the logs into
the output folder.

Everything it starts (servers, load generators, the throwaway cluster, the database) is
stopped and removed at the end, on Ctrl-C and on failure; a run killed with SIGKILL is cleaned
up by the next one. All traffic stays on 127.0.0.1, every load run is bounded by its duration
and the whole run by --max-minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.tokens.keys import new_key_entry, new_signing_key_entry
from bench import load, postgres, report, seed
from bench.processes import Registry, clean_up_stale_run, single_run_lock, usable_cpus
from entrypoints.http.refresh_cookie import PLAIN_NAME

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("me", "refresh", "jws", "login", "register", "storm", "workers")
SIGNED_ACCESS_TOKENS = {
    "AUTH_ACCESS_TOKEN_FORMAT": "jws",
    "AUTH_SIGNING_KEYS": new_signing_key_entry("bench"),
}
UNLIMITED = str(10**9)
# Variables the service reads; the benchmark sets its own and inherits none of these, so the
# argon2 cost is the service's default and throttling cannot distort the numbers.
_SERVICE_PREFIXES = (
    "APP_ENV",
    "DATABASE_URL",
    "DB_",
    "HOST",
    "PORT",
    "AUTH_",
    "ARGON2_",
    "CORS_",
    "FORWARDED_",
    "REDIS_",
)


def _cpus(text: str) -> set[int]:
    return {int(part) for part in text.split(",") if part.strip()}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round, short runs")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of discarded warm-up")
    parser.add_argument(
        "--auth-duration", type=float, default=15, help="seconds per login/register run"
    )
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset")
    parser.add_argument("--workers", type=int, default=1, help="service workers in every phase")
    parser.add_argument(
        "--compare-workers", type=int, default=2, help="worker count the workers phase compares"
    )
    parser.add_argument("--conns", type=int, default=32, help="connections: /users/me, refresh")
    parser.add_argument("--auth-conns", type=int, default=4, help="connections: login, register")
    parser.add_argument("--probe-conns", type=int, default=4, help="/users/me probe in the storm")
    parser.add_argument("--storm-conns", type=int, default=8, help="login connections in a storm")
    parser.add_argument(
        "--probe-delay-ms",
        type=int,
        default=0,
        help="pause between a probe connection's requests (0: closed loop, saturating)",
    )
    parser.add_argument("--server-cpus", type=_cpus, default={0}, help="e.g. 0")
    parser.add_argument("--load-cpus", type=_cpus, default={1}, help="wrk, e.g. 1")
    parser.add_argument("--pg-cpus", type=_cpus, default={1}, help="a throwaway cluster")
    parser.add_argument("--no-micro", action="store_true", help="skip the micro-benchmarks")
    parser.add_argument("--out", type=Path, help="results folder (default .data/bench/run-*)")
    parser.add_argument("--max-minutes", type=float, help="stop and clean up after this long")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="for experiments: extra environment for the service (not the baselines), "
        "e.g. --env DB_POOL_SIZE=15",
    )
    parser.add_argument(
        "--service-cmd",
        help="for experiments: serve the service with this command (run through the shell, "
        "HOST/PORT/DATABASE_URL... in its environment) instead of `hexauth serve --workers N`",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.duration, args.warmup, args.auth_duration = 1, 3, 1, 5
    args.max_minutes = args.max_minutes or (5 if args.quick else 15)
    args.phases = [phase for phase in args.phases.split(",") if phase]
    unknown = set(args.phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    available = usable_cpus()
    for name in ("server_cpus", "load_cpus", "pg_cpus"):
        if not getattr(args, name) <= available:
            setattr(args, name, available)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    args.out = args.out or ROOT / ".data" / "bench" / f"run-{stamp}"
    return args


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Server:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    workers: int
    cpus: set[int]


@dataclass
class Bench:
    args: argparse.Namespace
    registry: Registry
    database_url: str
    env: dict[str, str]
    loads: load.LoadGenerator
    servers: dict[str, Server] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)

    # ------------------------------------------------------------------ servers

    def start_server(
        self,
        name: str,
        kind: str,
        workers: int,
        cpus: set[int],
        extra_env: dict[str, str] | None = None,
    ) -> Server:
        port = _free_port()
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(port), **(extra_env or {})}
        if kind == "service":
            env.update(item.split("=", 1) for item in self.args.env)
        if kind == "baseline":
            argv: list[str] = [sys.executable, "-m", "bench.serve", f"--workers={workers}"]
        elif self.args.service_cmd:
            argv = ["/bin/sh", "-c", self.args.service_cmd]
        else:
            argv = [*_hexauth(), "serve", f"--workers={workers}"]
        # Every line the servers log (the access line of each request, warnings, security
        # events) goes to stderr, kept in logs/<name>.log; stdout is discarded.
        stderr = (self.args.out / "logs" / f"{name}.log").open("wb")
        process = self.registry.start(argv, env=env, cpus=cpus, stderr=stderr, cwd=ROOT)
        stderr.close()
        server = Server(name, f"http://127.0.0.1:{port}", process, workers, cpus)
        seed.wait_until_up(server.base_url, "/json" if kind == "baseline" else "/health", process)
        self.servers[name] = server
        log(f"{name}: {' '.join(argv[-3:])} pid {process.pid} CPUs {_cpu_text(cpus)}")
        return server

    # ------------------------------------------------------------------ measuring

    def measure(
        self,
        phase: str,
        subject: str,
        round_no: int,
        url: str,
        scenario: load.Scenario,
        connections: int,
        seconds: float,
        warmup: float | None = None,
    ) -> load.LoadResult:
        label = f"r{round_no}-{phase}-{subject}"
        warmup = self.args.warmup if warmup is None else warmup
        if warmup:
            self.loads.run(url, scenario, connections, warmup, f"{label}-warmup")
        result = self.loads.run(url, scenario, connections, seconds, label)
        self.record(phase, subject, round_no, result.as_dict(), connections=connections)
        log(f"round {round_no} {phase:<8} {subject:<14} {result.summary()}")
        return result

    def record(
        self, phase: str, subject: str, round_no: int, values: dict[str, Any], **extra: Any
    ) -> None:
        entry = {"round": round_no, "phase": phase, "subject": subject, **values, **extra}
        self.records.append(entry)
        with (self.args.out / "results.jsonl").open("a") as results:
            results.write(json.dumps(entry) + "\n")

    def hash_bound(self, round_no: int, when: str) -> None:
        """argon2 timed in-process on the server's CPU; run before and after the login and
        register runs, whose limit is the mean of the two (one alone is too noisy here)."""
        quick = self.args.quick
        argv = [sys.executable, "-m", "bench.hashbound"]
        argv += [f"--verifies={3 if quick else 7}", f"--hashes={2 if quick else 3}"]
        done = subprocess.run(  # noqa: S603 (our own interpreter and module)
            argv,
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            preexec_fn=lambda: os.sched_setaffinity(0, {min(self.args.server_cpus)}),
        )
        values = json.loads(done.stdout)
        self.record("hashbound", when, round_no, values)
        log(
            f"round {round_no} hashbound {values['argon2']}: verify {values['verify_s'] * 1000:.0f}"
            f" ms, hash {values['hash_s'] * 1000:.0f} ms (CPU {min(self.args.server_cpus)}, {when})"
        )

    def run_round(self, round_no: int, token: str, user_id: str) -> None:
        args, service, baseline = self.args, self.servers["service"], self.servers["baseline"]
        if "me" in args.phases or "refresh" in args.phases:
            subjects = [
                ("service", service.base_url + "/users/me", load.get(token)),
                ("raw-select", f"{baseline.base_url}/users/{user_id}", load.get()),
                ("bare-json", baseline.base_url + "/json", load.get()),
            ]
            for subject, url, scenario in _alternate(subjects, round_no):
                self.measure("me", subject, round_no, url, scenario, args.conns, args.duration)
        if "refresh" in args.phases:
            self.refresh(round_no, "service", service)
        if "jws" in args.phases:
            self.signed_access_tokens(round_no)
        login = load.login(BENCH_USER, seed.PASSWORD)
        register = load.register(f"register-r{round_no}-{int(time.time())}", seed.PASSWORD)
        self.hash_bound(round_no, "before")
        for phase, scenario in (("login", login), ("register", register)):
            if phase in args.phases:
                url = f"{service.base_url}/auth/{phase}"
                conns, seconds = args.auth_conns, args.auth_duration
                self.measure(phase, "service", round_no, url, scenario, conns, seconds)
        self.hash_bound(round_no, "after")
        if "storm" in args.phases:
            self.storm(round_no, token)
        if "workers" in args.phases:
            self.compare_workers(round_no, token)

    def refresh(self, round_no: int, subject: str, server: Server) -> None:
        """POST /auth/refresh, each connection rotating the cookies of accounts of its own."""
        args = self.args
        # One new account (and session) per cookie: rotations race on no shared row.
        cookies = seed.refresh_cookies(
            server.base_url,
            f"refresh-{subject}-r{round_no}-{int(time.time())}",
            args.conns + 4,
            PLAIN_NAME,
            args.out / "load" / f"r{round_no}-{subject}-cookies.txt",
        )
        url, scenario = server.base_url + "/auth/refresh", load.refresh(cookies)
        # No warm-up: it would use up the cookies, and the process is warm from /users/me.
        self.measure("refresh", subject, round_no, url, scenario, args.conns, args.duration, 0)

    def signed_access_tokens(self, round_no: int) -> None:
        """/users/me and refresh on the service that signs access tokens (jws), measured in the
        same round as the encrypting one so the report can compare the two."""
        args, server = self.args, self.servers["service-jws"]
        token = seed.access_token(seed.login(server.base_url, BENCH_USER))
        me, scenario = server.base_url + "/users/me", load.get(token)
        self.measure("me", "service-jws", round_no, me, scenario, args.conns, args.duration)
        self.refresh(round_no, "service-jws", server)

    def storm(self, round_no: int, token: str) -> None:
        """/users/me latency alone, then while logins saturate the server's CPU."""
        args, service = self.args, self.servers["service"]
        probe = load.get(token, args.probe_delay_ms)
        me, seconds = service.base_url + "/users/me", args.duration
        self.measure("storm", "probe-alone", round_no, me, probe, args.probe_conns, seconds, 0)
        lead = 1.5  # let the logins get going before the probe starts
        logins = self.loads.start(
            service.base_url + "/auth/login",
            load.login(BENCH_USER, seed.PASSWORD),
            args.storm_conns,
            seconds + lead + 1,
            f"r{round_no}-storm-logins",
        )
        time.sleep(lead)
        self.measure("storm", "probe-storm", round_no, me, probe, args.probe_conns, seconds, 0)
        result = logins.result()
        self.record("storm", "logins", round_no, result.as_dict(), connections=args.storm_conns)
        log(f"round {round_no} storm    logins         {result.summary()}")

    def compare_workers(self, round_no: int, token: str) -> None:
        """1 worker against N on all CPUs (the load generator and PostgreSQL share them)."""
        args = self.args
        subjects = [
            ("1w", self.servers["service-1w-all"]),
            (f"{args.compare_workers}w", self.servers["service-Nw-all"]),
        ]
        login = load.login(BENCH_USER, seed.PASSWORD)
        for subject, server in _alternate(subjects, round_no):
            url = server.base_url + "/users/me"
            self.measure(
                "workers-me", subject, round_no, url, load.get(token), args.conns, args.duration
            )
        for subject, server in _alternate(subjects, round_no):
            url, conns = server.base_url + "/auth/login", args.storm_conns
            self.measure("workers-login", subject, round_no, url, login, conns, args.auth_duration)

    def micro_benchmarks(self) -> None:
        out = self.args.out / "micro.json"
        argv = [
            sys.executable, "-m", "pytest", "bench/micro", "-q", "-p", "no:cacheprovider",
            "--benchmark-only", f"--benchmark-json={out}", "--benchmark-max-time=0.5",
            "--benchmark-columns=min,median,mean,ops,rounds", "--benchmark-sort=name",
        ]  # fmt: skip
        log("micro-benchmarks (pytest-benchmark, bench/micro/)")
        with (self.args.out / "logs" / "micro.log").open("wb") as output:
            process = self.registry.start(
                argv, env=self.env, cpus=self.args.server_cpus, stdout=output,
                stderr=subprocess.STDOUT, cwd=ROOT,
            )  # fmt: skip
            if process.wait(timeout=300) != 0:
                raise RuntimeError(f"micro-benchmarks failed; see {output.name}")


BENCH_USER = "bench-user@example.com"
VERSIONS_OF = (
    "litestar",
    "uvicorn",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "asyncpg",
    "argon2-cffi",
    "pyjwt",
    "cryptography",
    "msgspec",
    "dependency-injector",
)


def _alternate(items: list[Any], round_no: int) -> list[Any]:
    """Round 1 in the given order, round 2 reversed, and so on: A B C, C B A, A B C."""
    return items if round_no % 2 else items[::-1]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _hexauth() -> list[str]:
    script = Path(sys.executable).with_name("hexauth")
    return [str(script)] if script.exists() else [sys.executable, "-m", "entrypoints.cli"]


def migrate(env: dict[str, str]) -> None:
    """`hexauth migrate` on the benchmark database."""
    argv = [*_hexauth(), "migrate"]
    subprocess.run(argv, env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)  # noqa: S603


def _cpu_text(cpus: set[int]) -> str:
    return ",".join(map(str, sorted(cpus)))


def _service_env(database_url: str, pg_dsn: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(_SERVICE_PREFIXES)}
    return {
        **inherited,
        "PYTHONPATH": str(ROOT),
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "AUTH_KEYS": new_key_entry("bench"),
        # Plain HTTP on loopback: the cookie is `refresh_token`, without Secure.
        "AUTH_COOKIE_SECURE": "false",
        # Long enough for a whole run; tokens are fetched again every round anyway.
        "AUTH_ACCESS_TTL": "3600",
        # Throttling off in effect: the benchmark measures capacity, not the limiter.
        "AUTH_LOGIN_MAX_FAILURES": UNLIMITED,
        "AUTH_LOGIN_MAX_FAILURES_PER_IP": UNLIMITED,
        "AUTH_REGISTER_MAX_PER_IP": UNLIMITED,
        "BENCH_PG_DSN": pg_dsn,
    }


@contextlib.contextmanager
def _signals_end_the_run(max_minutes: float) -> Iterator[Callable[[], None]]:
    """SIGTERM, SIGHUP and the time limit end the run like Ctrl-C does: through the cleanup."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(f"stopped by {signal.Signals(signum).name}; cleaning up")

    # Ctrl-C raises KeyboardInterrupt even where SIGINT came in ignored (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(signum, stop)
    signal.alarm(int(max_minutes * 60))

    def shield() -> None:  # once cleanup starts, let it finish
        signal.alarm(0)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)

    yield shield


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    (args.out / "logs").mkdir(parents=True, exist_ok=True)
    (args.out / "load").mkdir(exist_ok=True)
    with contextlib.ExitStack() as stack:
        stack.enter_context(single_run_lock())
        for line in clean_up_stale_run(drop_database=postgres.drop_database):
            log(f"previous run: {line}")
        shield = stack.enter_context(_signals_end_the_run(args.max_minutes))
        registry = Registry()
        stack.callback(registry.close)
        server, database_url = postgres.fresh_database(stack, registry, args.pg_cpus)
        stack.callback(registry.stop_all)
        stack.callback(shield)
        database = database_url.rsplit("/", 1)[1]
        log(f"PostgreSQL {server.version} ({server.source}, {server.pinned_to}), {database}")
        try:
            return _run(args, registry, server, database_url)
        finally:
            log(f"cleaning up; results in {args.out}")
    return 1


def _run(
    args: argparse.Namespace, registry: Registry, server: postgres.Server, database_url: str
) -> int:
    env = _service_env(database_url, postgres.libpq_dsn(database_url))
    migrate(env)
    loads = load.LoadGenerator(registry, args.load_cpus, args.out / "load")
    bench = Bench(args, registry, database_url, env, loads)
    if loads.wrk is None:
        log("no wrk (apt-get install -y wrk) or BENCH_NO_WRK set: using bench/loadgen.py")
    bench.start_server("service", "service", args.workers, args.server_cpus)
    bench.start_server("baseline", "baseline", args.workers, args.server_cpus)
    if "jws" in args.phases:
        bench.start_server(
            "service-jws", "service", args.workers, args.server_cpus, SIGNED_ACCESS_TOKENS
        )
    if "workers" in args.phases:
        everything = usable_cpus()
        bench.start_server("service-1w-all", "service", 1, everything)
        bench.start_server("service-Nw-all", "service", args.compare_workers, everything)
    base = bench.servers["service"].base_url
    seed.register(base, BENCH_USER)
    meta = _meta(args, server, loads)
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1))
    for round_no in range(1, args.rounds + 1):
        token = seed.access_token(seed.login(base, BENCH_USER))
        bench.run_round(round_no, token, seed.user_id(base, token))
    registry.stop_all()
    if not args.no_micro:
        bench.micro_benchmarks()
    _trim_logs(args.out / "logs")
    text, markdown = report.render(args.out)
    (args.out / "report.md").write_text(markdown)
    print(text)
    return 0


def _trim_logs(folder: Path, keep: int = 300) -> None:
    """After a good run only the end of each server log is kept: with uvicorn's access log in
    it, a whole log runs to tens of megabytes."""
    for path in folder.glob("*.log"):
        lines = path.read_bytes().splitlines(keepends=True)
        if len(lines) > keep:
            path.write_bytes(b"".join(lines[-keep:]))


def _meta(
    args: argparse.Namespace, server: postgres.Server, loads: load.LoadGenerator
) -> dict[str, Any]:
    from importlib import metadata

    versions = {}
    for name in VERSIONS_OF:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    python = f"Python {platform.python_version()}"
    cpu = platform.processor() or platform.machine()
    return {
        "started": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} CPUs, {cpu}, Linux {platform.release()}, {python}",
        "load_generator": loads.name,
        "postgres": f"PostgreSQL {server.version} ({server.source}; {server.pinned_to})",
        "server_cpus": sorted(args.server_cpus),
        "load_cpus": sorted(args.load_cpus),
        "workers": args.workers,
        "compare_workers": args.compare_workers,
        "rounds": args.rounds,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "auth_duration_s": args.auth_duration,
        "conns": args.conns,
        "auth_conns": args.auth_conns,
        "probe_conns": args.probe_conns,
        "storm_conns": args.storm_conns,
        "probe_delay_ms": args.probe_delay_ms,
        "phases": args.phases,
        "service_cmd": " ".join(
            [*args.env, args.service_cmd or f"hexauth serve --workers {args.workers}"]
        ),
        "versions": versions,
    }  # fmt: skip
