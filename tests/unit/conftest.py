"""Settings read from an environment the test names, and nothing else of the process's."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from entrypoints.settings import Settings, env_names

ReadSettings = Callable[..., Settings]


@pytest.fixture
def settings_from(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ReadSettings:
    """`Settings.from_env()` with exactly `environ` set (every other setting's variable unset)."""

    def read(environ: Mapping[str, str], data_dir: Path = tmp_path) -> Settings:
        for name in env_names().values():
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return Settings.from_env(data_dir=data_dir)

    return read
