"""docs/api.md "Conventions": static files come only from inside their folder, and no path a client
sends (NUL bytes, over-long names, any encoding) yields a 500.

Tried as an attacker would: symbolic links planted in the served folders, then a battery of
hostile paths on every static mount and on the API's own routes, then random ones.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient
from swagger_ui_bundle import swagger_ui_path

from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.http.static_files import contained_static_files_router
from tests.e2e.conftest import BASE_URL, settings_for

SECRET = "the contents of a file outside every served folder"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET)
    return folder


@pytest.fixture
def web_app_dir(tmp_path: Path, outside: Path) -> Path:
    folder = tmp_path / "web"
    (folder / "assets" / "nested").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html>")
    (folder / "assets" / "app.js").write_text("console.log('app')")
    (folder / "assets" / "nested" / "inner.js").write_text("console.log('inner')")
    os.symlink(outside / "secret.txt", folder / "assets" / "secret.js")
    os.symlink(outside, folder / "assets" / "elsewhere")
    # The app's own document, but outside `assets/`: out of that folder all the same.
    os.symlink(folder / "index.html", folder / "assets" / "index-copy.html")
    os.symlink(folder / "assets" / "app.js", folder / "assets" / "alias.js")  # stays inside
    return folder


@pytest.fixture
def client(sqlite_database_url: str, web_app_dir: Path) -> Iterator[TestClient]:
    container = Container()
    container.settings.override(settings_for(sqlite_database_url, web_app_dir=str(web_app_dir)))
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        yield client


@pytest.mark.parametrize(
    "path",
    [
        "/assets/secret.js",  # a file link out of the folder
        "/assets/elsewhere/secret.txt",  # a directory link out of it
        "/assets/index-copy.html",  # a link to the app's folder, outside `assets/`
    ],
)
def test_a_symbolic_link_out_of_the_apps_assets_is_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert SECRET not in response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_files_and_links_that_stay_inside_are_served(client):
    assert client.get("/assets/app.js").text == "console.log('app')"
    assert client.get("/assets/nested/inner.js").text == "console.log('inner')"
    assert client.get("/assets/alias.js").text == "console.log('app')"


def test_a_symbolic_link_out_of_any_static_folder_is_404(tmp_path, outside):
    # Every static mount is built by contained_static_files_router (the app's assets and the
    # OpenAPI page's alike); here on a folder of the test's own, since Swagger UI's is read-only.
    served = tmp_path / "static"
    served.mkdir()
    (served / "ok.css").write_text("body{}")
    os.symlink(outside / "secret.txt", served / "secret.css")
    app = Litestar([contained_static_files_router("/static", served, name="static")])
    with TestClient(app) as client:
        assert client.get("/static/ok.css").text == "body{}"
        assert client.get("/static/secret.css").status_code == 404


def test_the_openapi_pages_files_are_served_from_the_installed_package(client):
    response = client.get("/schema/assets/swagger-ui.css")

    assert response.status_code == 200
    assert response.content == (Path(swagger_ui_path) / "swagger-ui.css").read_bytes()


HOSTILE_NAMES = {
    "nul": "%00",
    "nul in a name": "app%00.js",
    "nul after a name": "app.js%00.png",
    "over-long name": "a" * 5000,
    "over-long path": "a/" * 3000,
    "over-long encoded": "%41" * 3000,
    "encoded traversal": "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "encoded slashes": "..%2f..%2f..%2fetc%2fpasswd",
    "double encoded": "%252e%252e%252fetc%252fpasswd",
    "overlong utf-8 dots": "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "overlong utf-8 slash": "..%c0%af..%c0%afetc%c0%afpasswd",
    "three-byte overlong": "%e0%80%ae%e0%80%ae/x",
    "backslashes": "..\\..\\..\\etc\\passwd",
    "encoded backslashes": "..%5c..%5c..%5cetc%5cpasswd",
    "invalid percent": "%zz",
    "lone percent": "%",
    "truncated percent": "app.js%4",
    "invalid utf-8": "%ff%fe%fd",
    "surrogate": "%ed%a0%80",
    "fullwidth dots": "%ef%bc%8e%ef%bc%8e/x",
    "control characters": "%01%1b%7f",
    "absolute": "/etc/passwd",
    "home": "~root/.ssh/id_rsa",
    "windows device": "CON",
    "semicolon": "app.js;.html",
}
PREFIXES = [
    "/assets/",  # the app's static folder
    "/schema/assets/",  # Swagger UI's
    "/schema/",  # Litestar's OpenAPI router
    "/auth/sessions/",  # a path parameter (DELETE)
    "/auth/",
    "/users/",
    "/",
]


@pytest.mark.parametrize("name", list(HOSTILE_NAMES.values()), ids=list(HOSTILE_NAMES))
def test_no_hostile_path_is_a_500_on_any_route(client, name):
    for prefix in PREFIXES:
        for method in ("GET", "HEAD", "DELETE", "POST"):
            response = client.request(method, prefix + name)

            assert 400 <= response.status_code < 500, (method, prefix, response.status_code)
            assert SECRET not in response.text
            assert "root:" not in response.text


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # the client is read-only here
)
@given(
    name=st.text(
        st.one_of(
            st.sampled_from(["/", "\\", ".", "%", "\x00", "~", ";", "?", "#"]),
            st.characters(codec="utf-8"),
        ),
        max_size=300,
    )
    | st.builds(operator.mul, st.sampled_from(["a", "é", "%2e", "/"]), st.integers(250, 5000)),
    prefix=st.sampled_from(["/assets/", "/schema/assets/"]),
    encode=st.booleans(),
)
def test_no_static_path_is_a_5xx(client, name, prefix, encode):
    path = prefix + (quote(name, safe="/%") if encode else quote(name, safe="/%\\.~;"))
    response = client.get(path)

    assert response.status_code < 500, path
    assert SECRET not in response.text
