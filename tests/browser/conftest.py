"""Real Chromium (Debian's /usr/bin/chromium, driven by Playwright) against a real `hexauth serve`
that serves the built clients/web app from its own origin (WEB_APP_DIR).

Without Chromium every browser test is skipped with "BROWSER UNAVAILABLE: ...", without Node
with "NODE UNAVAILABLE: ..."; CI fails on either (.ci/run).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from adapters.tokens.keys import new_key_entry
from tests.browser.web_build import built, require_node
from tests.e2e.processes import Server, running
from tests.e2e.served import HEXAUTH, _environment, hexauth

# Debian's package; another distribution's Chromium can be named here.
CHROMIUM = Path(os.environ.get("HEXAUTH_CHROMIUM", "/usr/bin/chromium"))
# What works here as root, and keeps the browser from calling home during a test.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def web_app_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """clients/web built once per test run, however many pytest-xdist workers ask for it."""
    if not CHROMIUM.exists():
        pytest.skip(f"BROWSER UNAVAILABLE: {CHROMIUM} is missing (apt-get install chromium)")
    require_node()
    # The run's own folder, shared by its workers (pytest-xdist's documented pattern).
    run_folder = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        run_folder = run_folder.parent
    return built(done=run_folder / "web-app-built")


@pytest.fixture(scope="module")
def browser(web_app_dir: Path) -> Iterator[Browser]:
    """Chromium for one module: Playwright's sync API runs an event loop on this thread while
    it is open, which the async tests of other modules must not find there."""
    # launch() starts Chromium on a fresh temporary profile (--user-data-dir) of its own, and
    # every new_context() is a fresh, empty "device" within it.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def app_served(
    web_app_dir: Path, cwd: Path, port: int | None = None, **env: str
) -> Iterator[Server]:
    """A migrated SQLite database and `hexauth serve` with the app, plus `env`, on `port` (a
    free one by default)."""
    environment: Mapping[str, str] = {
        "AUTH_KEYS": new_key_entry("web"),
        "WEB_APP_DIR": str(web_app_dir),
        **env,
    }
    migrated = hexauth("migrate", env=environment, cwd=cwd)
    assert migrated.returncode == 0, migrated.stderr
    with running([*HEXAUTH, "serve"], _environment(environment), cwd, port) as server:
        yield server


# Short-lived access tokens, so refreshes happen every few seconds; no grace window, so a
# refresh token presented twice (two tabs racing) would be reuse and end the session; three
# failed logins per (email, client IP) before 429.
SHORT_LIVED = {
    "AUTH_ACCESS_TTL": "3",
    "AUTH_REFRESH_REUSE_GRACE": "0",
    "AUTH_LOGIN_MAX_FAILURES": "3",
}


@pytest.fixture(scope="session")
def server(web_app_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One service for the browser tests; each test signs up an account of its own."""
    with app_served(web_app_dir, tmp_path_factory.mktemp("served"), **SHORT_LIVED) as served:
        yield served
