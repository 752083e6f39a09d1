"""The image without a Docker engine: the Dockerfile's own build steps, run here.

The build stage's COPY instructions make a build context, its `uv sync` commands install it into
a fresh virtual environment, and that environment then migrates and serves the way the runtime
stage does: `hexauth` on PATH, no sources, no dev dependencies, APP_ENV=production.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.tokens.keys import new_key_entry
from tests.e2e.processes import Server, running
from tests.e2e.served import free_port
from tests.unit.deploy.test_dockerfile import ROOT, healthcheck_command, instructions

# Its module fixtures build one environment and serve it once (one pytest-xdist worker runs the
# module: tests/support/categories.py).
pytestmark = pytest.mark.image

PASSWORD = "correct horse battery staple"
KEY = new_key_entry("image")


def _build_environment(workdir: Path) -> Path:
    context = workdir / "build"
    context.mkdir()
    for copy in instructions("build", "COPY"):
        if copy.flags:  # --from=uv: the uv binary, which is already here
            continue
        for source in copy.value[:-1]:
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(
                    path, context / source, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                shutil.copy2(path, context / source)
    venv = workdir / "venv"
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_PYTHON": sys.executable,
        "UV_LINK_MODE": "copy",
    }
    for run in instructions("build", "RUN"):
        command = run.value[0]
        assert command.startswith("uv sync "), command
        done = subprocess.run(
            command.split(),
            cwd=context,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    shutil.rmtree(context)  # the runtime stage copies the environment only
    return venv


def _runtime_environment(venv: Path) -> dict[str, str]:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTH_", "DATABASE_", "PYTHON", "VIRTUAL_ENV", "UV_", "APP_"))
    }
    return {
        **inherited,
        "PATH": f"{venv / 'bin'}{os.pathsep}{inherited.get('PATH', '')}",
        "APP_ENV": "production",
        "AUTH_KEYS": KEY,
        "SMTP_URL": "smtp://127.0.0.1:9",  # required in production; nothing here sends mail
        "METRICS_PORT": str(free_port()),  # production opens its metrics listener there
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "64",
        "ARGON2_PARALLELISM": "1",
    }


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    """The runtime stage's virtual environment."""
    return _build_environment(tmp_path_factory.mktemp("image"))


@pytest.fixture(scope="module")
def served(image, tmp_path_factory) -> Iterator[Server]:
    """`hexauth migrate`, then `hexauth serve`, from the image's environment, in production."""
    app = tmp_path_factory.mktemp("app")  # the WORKDIR: nothing but what the process writes
    env = _runtime_environment(image)
    hexauth = str(image / "bin" / "hexauth")  # the console script, as the image's PATH has it
    migrated = subprocess.run(
        [hexauth, "migrate"], env=env, cwd=app, capture_output=True, text=True, check=False
    )
    assert migrated.returncode == 0, migrated.stderr
    with running([hexauth, "serve"], env, app) as server:
        yield server


def test_the_environment_holds_the_project_but_no_dev_dependencies(image):
    python = image / "bin" / "python"
    probe = (
        "import importlib.util as u, entrypoints; "
        "print(entrypoints.__file__); print(u.find_spec('pytest') is None)"
    )

    where, no_pytest = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, check=True, cwd=image.parent
    ).stdout.split()

    assert Path(where).is_relative_to(image)
    assert no_pytest == "True"


def test_the_healthcheck_passes_when_ready(served):
    command = healthcheck_command()

    passed = subprocess.run(
        [sys.executable, *command[1:]],
        env={**os.environ, "PORT": str(served.port)},
        capture_output=True,
        check=False,
        timeout=10,
    )

    assert command[0] == "python"
    assert passed.returncode == 0, passed.stderr


def test_the_healthcheck_fails_when_nothing_answers():
    failed = subprocess.run(
        [sys.executable, *healthcheck_command()[1:]],
        env={**os.environ, "PORT": str(free_port())},
        capture_output=True,
        check=False,
        timeout=10,
    )

    assert failed.returncode != 0


def test_production_logs_are_one_json_object_per_line_with_the_request_id(served):
    live = httpx.get(
        f"{served.base_url}/health/live?token=s3cret-in-a-query",
        headers={"X-Request-ID": "probe-1"},
    )
    refused = httpx.post(
        f"{served.base_url}/auth/login",
        json={"email": "nobody@example.com", "password": PASSWORD},
    )
    assert (live.status_code, refused.status_code) == (200, 401)

    records = [json.loads(line) for line in served.lines()]  # fails on any non-JSON line

    [access] = [r for r in records if r.get("request_id") == "probe-1"]
    assert access["logger"] == "hexauth.access"
    assert access["message"] == "GET /health/live 200"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/health/live", 200)
    [event] = [r for r in records if r.get("event") == "login_failed"]
    assert event["request_id"] == refused.headers["x-request-id"]
    assert (event["logger"], event["level"], event["reason"]) == (
        "hexauth.security",
        "warning",
        "unknown_email",
    )


def test_logs_carry_no_secrets_and_no_query_strings(served):
    httpx.get(f"{served.base_url}/health/live?token=s3cret-in-a-query")
    httpx.post(
        f"{served.base_url}/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )

    everything = served.log.read_text()

    for secret in ("s3cret-in-a-query", "?token", PASSWORD, KEY.split(":", 1)[1]):
        assert secret not in everything


# Last: it stops the server the tests above share.
def test_sigterm_stops_the_image_process_cleanly(served):
    assert served.stop() == 0
