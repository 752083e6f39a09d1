"""The slow categories of tests, as markers `-m` selects (`make check` leaves them out).

tests/conftest.py applies them at collection, so a new test is categorized by where it lives and
what it uses, without remembering a decorator:

- `browser`: everything under tests/browser/ (also `process`: it serves the app for Chromium).
- `postgres`: a test using a PostgreSQL fixture (`postgres_database_url`, `empty_postgres_url`,
  `postgres_server_url`), besides the `postgres` parameter of `database_url` and `backend`.
- `process`: a test in a module that starts `hexauth` through the helpers of tests/e2e/served.py
  or tests/e2e/processes.py.
- `image` and `timing` are written on the tests themselves: nothing else tells them apart.

Under pytest-xdist (`make test`: `--dist loadgroup`) each test is scheduled on its own, on
whichever worker is free, except in the modules under ONE_WORKER: each of those shares an
expensive module fixture (Chromium, a built image, a throwaway cluster), so each such module gets
pytest-xdist's `xdist_group` mark and runs whole on one worker, while different modules still
run side by side.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.e2e import processes, served

BROWSER_TESTS = Path(__file__).resolve().parents[1] / "browser"
POSTGRES_FIXTURES = {"postgres_server_url", "postgres_database_url", "empty_postgres_url"}
PROCESS_STARTERS = (served.HEXAUTH, served.hexauth, served.serving, processes.running)
ONE_WORKER = (
    "tests/browser/",
    "tests/e2e/test_image.py",
    "tests/e2e/test_database_outages.py",
    "tests/e2e/test_resource_servers.py",
)


def categorize(item: pytest.Item) -> None:
    """Add the markers of the categories `item` belongs to."""
    if BROWSER_TESTS in item.path.parents:
        item.add_marker(pytest.mark.browser)
        item.add_marker(pytest.mark.process)
    if POSTGRES_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        item.add_marker(pytest.mark.postgres)
    module = getattr(item, "module", None)
    if module is not None and _starts_processes(module):
        item.add_marker(pytest.mark.process)
    if item.nodeid.startswith(ONE_WORKER):
        item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def _starts_processes(module: ModuleType) -> bool:
    bound = vars(module).values()
    return any(value is starter for value in bound for starter in PROCESS_STARTERS)
