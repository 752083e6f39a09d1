"""docs/extending.md stays true: the files it names exist, its migration instruction finds the
real head, and the World it describes has every use case the container registers."""

from __future__ import annotations

import io
import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from dependency_injector import providers

from adapters.persistence.migrate import alembic_config
from entrypoints.container import Container
from tests.builders import a_world

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "extending.md").read_text()
NAMED_PATH = re.compile(r"`((?:[\w.-]+/)+(?:[\w.-]+\.(?:py|ts|tsx|md|toml|ini|json))?)`")
# The step tables list the files a part creates as "(new file)"; the examples were taken out again.
NEW_FILE_ROW = re.compile(r"^\| [\d.]+ \| `([^`]+)` \|.*new file", re.MULTILINE)


def test_every_file_and_folder_the_guide_names_exists_unless_the_guide_creates_it():
    created = set(NEW_FILE_ROW.findall(GUIDE))
    named = set(NAMED_PATH.findall(GUIDE)) - created

    missing = sorted(path for path in named if not (ROOT / path).exists())

    assert created, "the step tables should mark the files a part creates"
    assert missing == []


def test_the_guides_migration_commands_find_the_newest_revision_in_the_migrations_folder():
    heads = ScriptDirectory.from_config(alembic_config("")).get_heads()
    printed = io.StringIO()  # what `uv run alembic heads` prints, with the repository's ini
    command.heads(Config(str(ROOT / "alembic.ini"), stdout=printed))

    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {heads}"
    assert printed.getvalue().split() == [heads[0], "(head)"]
    assert "uv run alembic heads" in GUIDE
    assert "uv run alembic revision --autogenerate --rev-id NNNN" in GUIDE
    # No revision id written down, so none goes stale when a branch adds one.
    assert re.findall(r"\b0\d{3}\b", GUIDE) == []


def test_the_world_has_every_use_case_the_container_registers_built_on_its_fakes():
    world = a_world()
    use_cases = {
        name: provider.cls
        for name, provider in Container.cls_providers.items()
        if isinstance(provider, providers.Factory)
        and provider.cls.__module__.startswith("application.")
        and hasattr(provider.cls, "execute")
    }

    assert "count_sessions" in use_cases
    for name, use_case in use_cases.items():
        assert isinstance(getattr(world, name), use_case), name
    assert world.container.unit_of_work().__class__.__name__ == "InMemoryUnitOfWork"
    assert world.container.clock() is world.clock
