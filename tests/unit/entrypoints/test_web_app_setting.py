from __future__ import annotations

import pytest

from entrypoints.settings import Settings, SettingsError


def test_no_web_app_is_served_by_default(tmp_path):
    assert Settings.from_env({}, data_dir=tmp_path).web_app_dir == ""


def test_web_app_dir_must_hold_a_built_app(tmp_path):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"WEB_APP_DIR": str(tmp_path / "dist")}, data_dir=tmp_path)

    assert refused.value.problems == [
        "WEB_APP_DIR must be a built app: a folder holding index.html"
    ]


def test_web_app_dir_is_read_when_it_holds_index_html(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html>")

    settings = Settings.from_env({"WEB_APP_DIR": str(tmp_path)}, data_dir=tmp_path)

    assert settings.web_app_dir == str(tmp_path)
