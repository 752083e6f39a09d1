"""The configuration page's table (docs/configuration.md) says what the settings declare: each
variable, its default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from entrypoints.settings import Settings, env_names

PAGE = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
# Their defaults are keys generated in development, described in words.
GENERATED = {"AUTH_KEYS", "AUTH_SIGNING_KEYS"}


def page_defaults() -> dict[str, str]:
    """Variable -> default as the page's table writes it (`empty` for the empty default)."""
    text = PAGE.read_text()
    table = text[text.index("| variable | default | meaning |") :].split("\n\n", 1)[0]
    defaults: dict[str, str] = {}
    for row in table.splitlines()[2:]:
        names_cell, default_cell, _ = row.strip("|").split("|", 2)
        names = re.findall(r"`([A-Z0-9_]+)`", names_cell)
        values = re.findall(r"`([^`]*)`", default_cell)
        if default_cell.strip() == "empty":
            values = [""] * len(names)
        elif len(names) == 1 and names[0] in GENERATED:
            values = [""]
        assert len(values) == len(names), f"one default per variable in: {row}"
        defaults.update(zip(names, values, strict=True))
    return defaults


def declared_defaults() -> dict[str, str]:
    """Variable -> default as the settings declare it, written as in the environment."""

    def as_env(value: object) -> str:
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, tuple):
            return ",".join(value)
        return str(value)

    fields = Settings.model_fields
    return {env: as_env(fields[name].default) for name, env in env_names().items()}


def test_the_configuration_table_lists_exactly_the_declared_variables():
    assert sorted(page_defaults()) == sorted(declared_defaults())


@pytest.mark.parametrize("variable", sorted(declared_defaults()))
def test_the_configuration_table_gives_each_variable_its_declared_default(variable):
    assert page_defaults().get(variable) == declared_defaults()[variable]
