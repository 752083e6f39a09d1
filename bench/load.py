"""Drive one URL for a fixed time: wrk when installed, else bench/loadgen.py (same output).

Every run is one process pinned to the load CPUs, bounded by its duration plus a margin, and
ends with one `BENCHJSON {...}` line: requests, req/s, latency percentiles (microseconds) and
error counts, which `LoadResult` reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.processes import Registry

LUA_DIR = Path(__file__).with_name("wrk")
TIMEOUT_S = 10


@dataclass(frozen=True)
class LoadResult:
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int
    timeouts: int = 0
    """Requests that got no answer within TIMEOUT_S (also counted in `socket_errors`)."""
    statuses: dict[str, int] = field(default_factory=dict)
    """Responses by status, when the scenario counts them (login does)."""
    p99_by_status_ms: dict[str, float] = field(default_factory=dict)
    """p99 latency of each status's responses, when the load generator can tell (not wrk)."""

    @classmethod
    def parse(cls, output: str) -> LoadResult:
        lines = [line for line in output.splitlines() if line.startswith("BENCHJSON ")]
        if not lines:
            raise RuntimeError(f"no BENCHJSON line in the load generator output:\n{output[-2000:]}")
        raw = json.loads(lines[-1].removeprefix("BENCHJSON "))
        return cls(
            requests=raw["requests"],
            duration_s=raw["duration_s"],
            rps=raw["rps"],
            p50_ms=raw["lat_p50_us"] / 1000,
            p90_ms=raw["lat_p90_us"] / 1000,
            p99_ms=raw["lat_p99_us"] / 1000,
            mean_ms=raw["lat_mean_us"] / 1000,
            max_ms=raw["lat_max_us"] / 1000,
            non_2xx=raw["err_status"],
            socket_errors=raw["err_connect"]
            + raw["err_read"]
            + raw["err_write"]
            + raw["err_timeout"],
            timeouts=raw["err_timeout"],
            statuses={str(k): int(v) for k, v in raw.get("statuses", {}).items()},
            p99_by_status_ms={
                str(k): v / 1000 for k, v in raw.get("lat_p99_by_status_us", {}).items()
            },
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        errors = f" non-2xx={self.non_2xx}" if self.non_2xx else ""
        errors += f" socket-errors={self.socket_errors}" if self.socket_errors else ""
        if self.statuses:
            errors += " statuses=" + ",".join(f"{k}:{v}" for k, v in self.statuses.items())
        return (
            f"{self.rps:9.1f} req/s  p50 {self.p50_ms:8.2f} ms  p99 {self.p99_ms:8.2f} ms"
            f"  n={self.requests}{errors}"
        )


@dataclass(frozen=True)
class Scenario:
    """What to send: `script` names a bench/wrk/*.lua file; `env` feeds it (BENCH_*)."""

    script: str
    env: dict[str, str]


def get(token: str | None = None, delay_ms: int = 0) -> Scenario:
    return Scenario("get", {"BENCH_TOKEN": token or "", "BENCH_DELAY_MS": str(delay_ms)})


def login(email: str, password: str) -> Scenario:
    return Scenario("login", {"BENCH_EMAIL": email, "BENCH_PASSWORD": password})


def register(prefix: str, password: str) -> Scenario:
    return Scenario("register", {"BENCH_PREFIX": prefix, "BENCH_PASSWORD": password})


def refresh(cookie_file: Path) -> Scenario:
    return Scenario("refresh", {"BENCH_COOKIE_FILE": str(cookie_file)})


class Running:
    def __init__(
        self, registry: Registry, process: subprocess.Popen[bytes], log: Path, limit: float
    ) -> None:
        self._registry, self._process, self._log, self._limit = registry, process, log, limit

    def result(self) -> LoadResult:
        try:
            self._process.wait(timeout=self._limit)
        except subprocess.TimeoutExpired:
            self._registry.stop(self._process)
            raise RuntimeError(f"load generator overran its time: {self._log}") from None
        self._registry.stop(self._process)
        return LoadResult.parse(self._log.read_text(errors="replace"))


class LoadGenerator:
    def __init__(self, registry: Registry, cpus: set[int] | None, log_dir: Path) -> None:
        self._registry = registry
        self._cpus = cpus
        self._log_dir = log_dir
        # BENCH_NO_WRK=1 forces the fallback (to test it, or to compare the two).
        self.wrk = None if os.environ.get("BENCH_NO_WRK") else shutil.which("wrk")

    @property
    def name(self) -> str:
        if self.wrk:
            version = subprocess.run(  # noqa: S603 (wrk from PATH)
                [self.wrk, "--version"], capture_output=True, text=True, check=False
            ).stdout
            return version.split("Copyright")[0].strip() or "wrk"
        return "bench/loadgen.py (asyncio; wrk not installed)"

    def start(
        self, url: str, scenario: Scenario, connections: int, seconds: float, label: str
    ) -> Running:
        env = {"BENCH_LUA_DIR": str(LUA_DIR), "PATH": "/usr/bin:/bin", **scenario.env}
        if "BENCH_PREFIX" in env:  # new addresses in every run, warm-ups included
            env["BENCH_PREFIX"] += f"-{label}"
        if self.wrk:
            argv = [
                self.wrk,
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                f"--timeout={TIMEOUT_S}s",
                "-s",
                str(LUA_DIR / f"{scenario.script}.lua"),
                url,
            ]
        else:
            argv = [
                sys.executable,
                "-m",
                "bench.loadgen",
                scenario.script,
                url,
                f"--connections={connections}",
                f"--duration={seconds}",
                f"--timeout={TIMEOUT_S}",
            ]
            env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
        log = self._log_dir / f"{label}.txt"
        with log.open("wb") as output:
            process = self._registry.start(
                argv, env=env, cpus=self._cpus, stdout=output, stderr=subprocess.STDOUT
            )
        return Running(self._registry, process, log, seconds + TIMEOUT_S + 20)

    def run(
        self, url: str, scenario: Scenario, connections: int, seconds: float, label: str
    ) -> LoadResult:
        return self.start(url, scenario, connections, seconds, label).result()
