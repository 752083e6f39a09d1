"""The HTTP contract travels with the repository (docs/api.md), so a fork keeps it; the team's
copy (../shared/API.md beside the repository, where there is one) and ours never drift."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs" / "api.md"
TEAM_COPY = ROOT.parent / "shared" / "API.md"


def test_the_contract_is_in_the_repository():
    assert CONTRACT.read_text(encoding="utf-8").startswith("# hexauth HTTP contract")


@pytest.mark.skipif(not TEAM_COPY.exists(), reason="no team copy beside this checkout (a fork)")
def test_the_contract_is_in_step_with_the_team_copy():
    assert CONTRACT.read_text(encoding="utf-8") == TEAM_COPY.read_text(encoding="utf-8")


def test_no_tracked_file_points_outside_the_repository():
    git = shutil.which("git")
    assert git is not None
    tracked = subprocess.run(
        [git, "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    here = Path(__file__).resolve().relative_to(ROOT).as_posix()
    outside = [
        name
        for name in tracked
        if name != here
        and not name.endswith(".lock")
        and (ROOT / name).is_file()
        and "../shared" in (ROOT / name).read_text(encoding="utf-8", errors="ignore")
    ]

    assert outside == []
