"""`hexauth serve` as a real process: graceful SIGTERM, several workers.

(The image's environment, its health check and its JSON logs: test_image.py.)
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from adapters.tokens.keys import new_key_entry
from tests.e2e.processes import running
from tests.e2e.served import HEXAUTH, PATIENCE, _environment, hexauth

PASSWORD = "correct horse battery staple"
# About a second per hash on one core: a login that is slow for a legitimate reason.
SLOW_ARGON2 = {"ARGON2_TIME_COST": "200", "ARGON2_MEMORY_KIB": "8192", "ARGON2_PARALLELISM": "1"}


def serve(env: Mapping[str, str], cwd: Path, *args: str):
    return running([*HEXAUTH, "serve", *args], _environment(env), cwd)


def migrated(env: Mapping[str, str], cwd: Path) -> Mapping[str, str]:
    result = hexauth("migrate", env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return env


def test_sigterm_lets_an_in_flight_request_finish_and_exits_0(tmp_path):
    env = migrated({"AUTH_KEYS": new_key_entry("term"), **SLOW_ARGON2}, tmp_path)
    credentials = {"email": "ada@example.com", "password": PASSWORD}

    with serve(env, tmp_path) as server, ThreadPoolExecutor(max_workers=1) as pool:
        registered = httpx.post(
            f"{server.base_url}/auth/register", json=credentials, timeout=PATIENCE
        )
        assert registered.status_code == 201
        idle = cpu_seconds(server.process.pid)
        login = pool.submit(
            httpx.post, f"{server.base_url}/auth/login", json=credentials, timeout=PATIENCE
        )
        wait_until_hashing(server.process.pid, idle)  # for about a second more

        server.process.send_signal(signal.SIGTERM)
        response = login.result()
        status = server.process.wait(timeout=PATIENCE)

    assert response.status_code == 200
    assert response.json()["access_token"]
    assert status == 0
    lines = server.lines()
    shutting_down = next(i for i, line in enumerate(lines) if "Shutting down" in line)
    answered = next(i for i, line in enumerate(lines) if "POST /auth/login 200" in line)
    assert shutting_down < answered, "the login was answered after the shutdown began"
    # Development: readable lines, the request id among the keys.
    assert not lines[answered].startswith("{")
    assert f"request_id={response.headers['x-request-id']}" in lines[answered]


def cpu_seconds(pid: int) -> float:
    """The CPU time a process used so far, all threads (utime + stime of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_hashing(pid: int, idle: float) -> None:
    """Until the server computes (the login's hash: an idle server uses next to no CPU)."""
    deadline = time.monotonic() + PATIENCE
    while cpu_seconds(pid) < idle + 0.1:
        assert time.monotonic() < deadline, "the login did not start hashing"
        time.sleep(0.01)


def _worker_processes(parent: int) -> list[int]:
    """Children of `parent` that multiprocessing spawned to serve (not its resource tracker)."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent_pid = int(stat.rsplit(")", 1)[1].split()[1])
        if parent_pid == parent and "spawn_main" in cmdline:
            workers.append(int(entry.name))
    return workers


def test_several_workers_serve_and_report_one_set_of_metrics(tmp_path):
    env = migrated({"AUTH_KEYS": new_key_entry("workers")}, tmp_path)

    with serve(env, tmp_path, "--workers", "2") as server:
        assert len(_worker_processes(server.process.pid)) == 2
        for _ in range(10):  # a new connection each time: the kernel spreads them over workers
            assert httpx.get(f"{server.base_url}/health/live").status_code == 200

        scrapes = {
            _requests_total(httpx.get(f"{server.base_url}/metrics").text, "/health/live")
            for _ in range(6)
        }
        assert server.stop() == 0

    assert scrapes == {10.0}  # every worker's answer sums all of them


def _requests_total(metrics: str, path: str) -> float:
    pattern = re.compile(
        r'^hexauth_http_requests_total\{(?=[^}]*path="' + re.escape(path) + r'")'
        r'(?=[^}]*status_code="200")[^}]*\} (\S+)$',
        re.MULTILINE,
    )
    return sum(float(value) for value in pattern.findall(metrics))
