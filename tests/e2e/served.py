"""Run `hexauth` as a real process, the way `make run` does, for tests over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.child_processes import stop
from tests.support.ports import free_port

HEXAUTH = [sys.executable, "-m", "entrypoints.cli"]
ROOT = Path(__file__).resolve().parents[2]
PATIENCE = 120.0
"""Seconds a test waits for a process it started (to answer, or to finish a command): a
deadline, not a measurement, so generous; a loaded machine starts Python slowly."""


def hexauth(
    *args: str, env: Mapping[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run `hexauth ARGS` to completion; `stdin` is all it can read (a pipe, never a terminal)."""
    return subprocess.run(
        [*HEXAUTH, *args],
        input=stdin,
        env=_environment(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
    )


@contextmanager
def serving(env: Mapping[str, str], cwd: Path) -> Iterator[str]:
    """`hexauth serve` on a free port; yields its base URL and stops it afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [*HEXAUTH, "serve"],
        env=_environment({**env, "HOST": "127.0.0.1", "PORT": str(port)}),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process)
        yield base_url
    finally:
        stop(process)


def _wait_until_up(base_url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hexauth serve exited:\n{process.stdout.read()}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"hexauth serve did not answer within {PATIENCE:.0f} s")


def _environment(overrides: Mapping[str, str]) -> dict[str, str]:
    cheap_argon2 = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "64", "ARGON2_PARALLELISM": "1"}
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "DATABASE_"))}
    return {**inherited, "PYTHONPATH": str(ROOT), **cheap_argon2, **overrides}
