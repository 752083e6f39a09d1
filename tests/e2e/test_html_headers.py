"""docs/api.md "Conventions": every HTML response carries a CSP with `frame-ancestors 'none'` and
`X-Frame-Options: DENY`: the OpenAPI page, the browser app's document at each of its routes, and
Litestar's own HTML answers. JSON answers do not need them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient

from entrypoints.container import Container
from entrypoints.http.app import create_app
from tests.e2e.conftest import BASE_URL, settings_for

INDEX = '<!doctype html><script type="module" src="/assets/app-1a2b.js"></script>'


@pytest.fixture
def client(sqlite_database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    container = Container()
    container.settings.override(settings_for(sqlite_database_url, web_app_dir=str(tmp_path)))
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        yield client


def assert_unframeable_page(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    policy = [part.strip() for part in response.headers["content-security-policy"].split(";")]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert not any("unsafe-inline" in part or "unsafe-eval" in part for part in policy)
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "path",
    [
        "/schema",  # the interactive OpenAPI page
        "/schema/swagger",
        "/",  # the app's index
        "/reset-password",  # the app's own routes answer the same document
        "/verify-email",
    ],
)
def test_every_html_page_has_a_csp_and_cannot_be_framed(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert_unframeable_page(response)


def test_litestars_own_html_answers_get_the_headers_too(client):
    response = client.get("/schema/no-such-renderer")  # Litestar's OpenAPI router answers HTML

    assert response.status_code == 404
    assert_unframeable_page(response)


def test_the_openapi_page_has_no_inline_script_and_loads_only_this_origins_files(client):
    page = client.get("/schema").text

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.DOTALL)
    assert scripts
    assert all("src=" in tag and not body.strip() for tag, body in scripts)
    assert "<style" not in page
    assert "style=" not in page
    for source in ('src="/schema/swagger-initializer.js"', 'src="/schema/assets/'):
        assert source in page
    initializer = client.get("/schema/swagger-initializer.js")
    assert initializer.status_code == 200
    assert initializer.headers["content-type"].startswith("text/javascript")
    assert '"/schema/openapi.json"' in initializer.text
    assert "validatorUrl: null" in initializer.text  # the document goes to no third party


@pytest.mark.parametrize("path", ["/health", "/schema/openapi.json", "/users/me"])
def test_json_answers_do_not_carry_the_page_headers(client, path):
    response = client.get(path)

    assert "html" not in response.headers["content-type"]
    assert "content-security-policy" not in response.headers
    assert "x-frame-options" not in response.headers
