"""Node for the browser tests: `npm ci` when node_modules is missing or stale, then the build.

npm runs under a file lock: pytest-xdist workers (and two test runs in one checkout) would
otherwise install or build into the same node_modules and dist at once.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from filelock import FileLock

WEB = Path(__file__).resolve().parents[2] / "clients" / "web"
DIST = WEB / "dist"
LOCK = WEB / "package-lock.json"
# npm writes this after every install; older than the lock file means node_modules is stale
# (the same rule as the Makefile's `demo` target).
INSTALLED = WEB / "node_modules" / ".package-lock.json"
NPM_LOCK = FileLock(WEB / ".npm.lock")
BUILD_TIMEOUT = 600


def require_node() -> str:
    """The npm command, or a loud skip (CI fails on the reason, see .ci/run)."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip("NODE UNAVAILABLE: node and npm are needed to build and test clients/web")
    return npm


def npm(*args: str) -> None:
    result = subprocess.run(
        [require_node(), *args],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"npm {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )


def installed() -> None:
    """node_modules exactly as package-lock.json says (`npm ci`), unless already installed."""
    with NPM_LOCK:
        if INSTALLED.exists() and INSTALLED.stat().st_mtime >= LOCK.stat().st_mtime:
            return
        npm("ci", "--no-audit", "--no-fund")


def built(done: Path | None = None) -> Path:
    """The app, freshly built into clients/web/dist; once per test run when `done` names a file
    that the run's other workers see too (the first to build writes it)."""
    with NPM_LOCK:
        installed()
        if done is None or not done.exists():
            npm("run", "build")
            if done is not None:
                done.touch()
    return DIST
