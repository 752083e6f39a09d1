"""`examples` is a top-level name, like the layers: it must come from this repository, since
`python -m examples.resource_server` would otherwise run an installed package's code."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import examples

ROOT = Path(__file__).resolve().parents[3]


def test_examples_is_imported_from_this_repository():
    assert Path(examples.__file__).resolve().parent == ROOT / "examples"


def test_no_installed_distribution_claims_the_examples_name():
    assert metadata.packages_distributions().get("examples", []) == []
