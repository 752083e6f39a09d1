"""WEB_APP_DIR: the built browser app from the API's own origin, under a strict CSP.

(A fake build here; tests/browser runs the real one in Chromium.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import TestClient

from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.e2e.conftest import BASE_URL, settings_for

INDEX = '<!doctype html><script type="module" src="/assets/app-1a2b.js"></script>'


@pytest.fixture
def web_app_dir(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "app-1a2b.js").write_text("console.log('app')")
    return tmp_path


def serve(settings: Settings) -> TestClient:
    container = Container()
    container.settings.override(settings)
    return TestClient(create_app(container), base_url=BASE_URL)


@pytest.mark.parametrize("path", ["/", "/reset-password", "/verify-email"])
def test_the_app_is_served_at_its_routes_with_a_strict_csp(sqlite_database_url, web_app_dir, path):
    with serve(settings_for(sqlite_database_url, web_app_dir=str(web_app_dir))) as client:
        response = client.get(path)

    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_cached_for_good(sqlite_database_url, web_app_dir):
    with serve(settings_for(sqlite_database_url, web_app_dir=str(web_app_dir))) as client:
        response = client.get("/assets/app-1a2b.js")

    assert response.status_code == 200
    assert response.text == "console.log('app')"
    assert "immutable" in response.headers["cache-control"]


def test_the_api_keeps_every_other_path(sqlite_database_url, web_app_dir):
    with serve(settings_for(sqlite_database_url, web_app_dir=str(web_app_dir))) as client:
        unknown = client.get("/auth/nothing-here")
        missing_asset = client.get("/assets/missing.js")
        me = client.get("/users/me")

    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert missing_asset.status_code == 404
    assert me.status_code == 401


def test_without_web_app_dir_the_service_is_the_api_alone(sqlite_database_url):
    with serve(settings_for(sqlite_database_url)) as client:
        response = client.get("/")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
