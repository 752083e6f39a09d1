"""The README stays a front page: short, the two commands first, and every link it has resolves.
The pages under docs/ are checked by `make docs` (MkDocs in strict mode); the README is not part
of that site, so its links are checked here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_the_readme_is_at_most_300_lines():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 300


def test_the_quick_start_is_make_run_and_make_test():
    text = README.read_text(encoding="utf-8")
    quick_start = text[text.index("## Quick start") :].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in quick_start.splitlines()]

    assert commands == ["make run", "make test"]


def test_every_relative_link_in_the_readme_names_a_file_of_the_repository():
    targets = [
        target.split("#", 1)[0]
        for target in LINK.findall(README.read_text(encoding="utf-8"))
        if "://" not in target and not target.startswith("#")
    ]
    missing = [target for target in targets if not (ROOT / target).is_file()]

    assert targets
    assert missing == []
