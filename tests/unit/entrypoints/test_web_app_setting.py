from __future__ import annotations

import pytest

from entrypoints.settings import SettingsError


def test_no_web_app_is_served_by_default(settings_from):
    assert settings_from({}).web_app_dir == ""


def test_web_app_dir_must_hold_a_built_app(settings_from, tmp_path):
    with pytest.raises(SettingsError) as refused:
        settings_from({"WEB_APP_DIR": str(tmp_path / "dist")})

    assert len(refused.value.problems) == 1
    assert (
        "WEB_APP_DIR must be a built app: a folder holding index.html"
        in (refused.value.problems[0])
    )


def test_web_app_dir_is_read_when_it_holds_index_html(settings_from, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html>")

    settings = settings_from({"WEB_APP_DIR": str(tmp_path)})

    assert settings.web_app_dir == str(tmp_path)
