"""The four layer packages are top-level names, and `entrypoints` is also a PyPI package:
make sure each one is imported from this repository, never from an installed distribution."""

from __future__ import annotations

import importlib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["domain", "application", "adapters", "entrypoints"]


@pytest.mark.parametrize("name", LAYERS)
def test_each_layer_is_imported_from_this_repository(name):
    module = importlib.import_module(name)

    assert Path(module.__file__).resolve().parent == ROOT / name


@pytest.mark.parametrize("name", LAYERS)
def test_no_installed_distribution_claims_a_layer_name(name):
    owners = metadata.packages_distributions().get(name, [])

    assert set(owners) <= {"hexauth"}


def test_the_domain_imports_only_the_standard_library_and_email_validator():
    import ast
    import sys

    allowed = set(sys.stdlib_module_names) | {"domain", "email_validator", "__future__"}
    found = set()
    for path in (ROOT / "domain").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])

    assert "email_validator" in found  # the scan sees imports at all
    assert found <= allowed, found - allowed
