"""docker/Dockerfile read with Docker's own parser (no engine is needed to check its shape)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import dockerfile
import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "docker" / "Dockerfile"


def stages() -> dict[str, list[dockerfile.Command]]:
    """The instructions of each stage, by stage name, in order."""
    found: dict[str, list[dockerfile.Command]] = {}
    current: list[dockerfile.Command] | None = None
    for command in dockerfile.parse_file(str(DOCKERFILE)):
        if command.cmd == "FROM":
            _image, _as, name = command.value
            current = found.setdefault(name, [])
        if current is not None:
            current.append(command)
    return found


def instructions(stage: str, cmd: str) -> list[dockerfile.Command]:
    return [c for c in stages()[stage] if c.cmd == cmd]


def makefile_sync() -> str:
    """The Makefile's `uv` arguments for installing from the lock (what `make install` runs)."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"^SYNC := (.+)$", makefile, re.MULTILINE)
    assert match, "the Makefile defines SYNC"
    assert re.search(r"^install:.*\n\t\$\(UV\) \$\(SYNC\)$", makefile, re.MULTILINE)
    return match.group(1).strip()


def test_the_stages_are_uv_build_and_a_slim_runtime_last():
    assert list(stages()) == ["uv", "build", "runtime"]
    assert stages()["uv"][0].value[0].startswith("ghcr.io/astral-sh/uv:")
    assert stages()["runtime"][0].value[0].startswith("python:")
    assert stages()["runtime"][0].value[0].endswith("-slim")
    assert stages()["build"][0].value[0] == stages()["runtime"][0].value[0]


def test_uv_comes_from_the_official_image_into_the_build_stage_only():
    [copy] = [c for c in instructions("build", "COPY") if "--from=uv" in c.flags]
    assert copy.value[0] == "/uv"
    assert not [c for c in instructions("runtime", "COPY") if "--from=uv" in c.flags]
    [venv] = [c for c in instructions("runtime", "COPY") if "--from=build" in c.flags]
    assert venv.value == ("/app/.venv", "/app/.venv")


def test_dependencies_install_with_the_same_frozen_sync_that_ci_runs():
    syncs = [c.value[0] for c in instructions("build", "RUN") if c.value[0].startswith("uv sync")]

    assert len(syncs) == 2  # the dependencies layer, then the project
    for sync in syncs:
        assert sync.startswith(f"uv {makefile_sync()} "), sync
        assert {"--no-dev", "--no-editable"} <= set(shlex.split(sync))
    assert "--no-install-project" in syncs[0]


def test_everything_the_build_copies_exists_and_is_not_dockerignored():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".data"} <= ignored
    for copy in instructions("build", "COPY"):
        if copy.flags:
            continue
        for source in copy.value[:-1]:
            assert (ROOT / source).exists(), source
            assert source not in ignored, source


def test_the_runtime_runs_hexauth_serve_as_a_non_root_user_listening_on_all_interfaces():
    runtime = stages()["runtime"]
    [user] = [c for c in runtime if c.cmd == "USER"]
    assert user.value[0].split(":")[0] not in {"root", "0"}
    [cmd] = [c for c in runtime if c.cmd == "CMD"]
    assert cmd.json
    assert cmd.value == ("hexauth", "serve")
    assert runtime.index(user) < runtime.index(cmd)
    env = dict(
        pair
        for c in runtime
        if c.cmd == "ENV"
        for pair in zip(c.value[::2], c.value[1::2], strict=True)
    )
    assert env["HOST"] == "0.0.0.0"  # noqa: S104 (a container listens on its own interface)
    assert env["APP_ENV"] == "production"


def test_the_web_process_never_migrates():
    runtime = stages()["runtime"]
    for command in runtime:
        if command.cmd in {"CMD", "ENTRYPOINT", "RUN"}:
            assert "migrate" not in " ".join(command.value), command.original
    assert not [c for c in runtime if c.cmd == "ENTRYPOINT"]


def healthcheck_command() -> tuple[str, ...]:
    [healthcheck] = instructions("runtime", "HEALTHCHECK")
    assert healthcheck.json
    assert healthcheck.value[0] == "CMD"
    return healthcheck.value[1:]


def test_the_healthcheck_asks_health_with_the_standard_library():
    command = healthcheck_command()

    assert command[:2] == ("python", "-c")
    assert "urllib.request" in command[2]
    assert "/health'" in command[2]
    assert "curl" not in " ".join(command)


@pytest.mark.parametrize("flag", ["--interval", "--timeout", "--retries"])
def test_the_healthcheck_has_explicit_timings(flag):
    [healthcheck] = instructions("runtime", "HEALTHCHECK")
    assert any(f.startswith(f"{flag}=") for f in healthcheck.flags)
