"""The OpenAPI document is valid, complete, and what client generators need."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from entrypoints.http.metrics import METRICS_PATH
from entrypoints.settings import Settings
from tests.e2e.conftest import settings_for

SCHEMA_PATH = "/schema"
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def settings(sqlite_database_url: str) -> Settings:
    """The document does not depend on the database: one backend is enough."""
    return settings_for(sqlite_database_url)


@pytest.fixture
def document(client) -> dict:
    response = client.get(f"{SCHEMA_PATH}/openapi.json")
    assert response.status_code == 200
    return response.json()


def documented_routes(app) -> list:
    """Every route of the app, but the schema's own pages and the metrics endpoint."""
    return [
        route
        for route in app.routes
        if route.path != METRICS_PATH
        and route.path != SCHEMA_PATH
        and not route.path.startswith(f"{SCHEMA_PATH}/")
    ]


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")

    validate(document)


def test_the_document_carries_the_contract_version(document):
    assert document["info"]["version"] == "1.3.0"


def test_every_route_is_documented_with_its_methods(client, document):
    routes = documented_routes(client.app)
    assert routes

    for route in routes:
        path = document["paths"].get(route.path_format)
        assert path is not None, f"{route.path_format} is not in the OpenAPI document"
        assert {m.lower() for m in route.methods & HTTP_METHODS} <= set(path), route.path


def test_the_metrics_and_schema_endpoints_are_left_out(document):
    assert METRICS_PATH not in document["paths"]
    assert not [p for p in document["paths"] if p.startswith(SCHEMA_PATH)]


def test_every_operation_says_what_it_answers(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
            assert successes, (method, path)
            for status, response in successes.items():
                if status != "204":
                    assert response["content"], (method, path, status)


def test_json_bodies_have_schemas(document):
    for path in ("/auth/register", "/auth/login"):
        body = document["paths"][path]["post"]["requestBody"]
        assert body["content"]["application/json"]["schema"], path


def test_bearer_routes_name_the_bearer_scheme(document):
    schemes = document["components"]["securitySchemes"]
    bearer = [name for name, s in schemes.items() if s.get("scheme") == "bearer"]
    assert len(bearer) == 1
    assert schemes[bearer[0]]["type"] == "http"

    assert {bearer[0]: []} in document["paths"]["/users/me"]["get"]["security"]


def test_the_refresh_cookie_is_documented(document):
    refresh = document["paths"]["/auth/refresh"]["post"]
    cookie_parameters = [p["name"] for p in refresh.get("parameters", []) if p["in"] == "cookie"]
    cookie_schemes = {
        name
        for name, scheme in document["components"]["securitySchemes"].items()
        if scheme["type"] == "apiKey" and scheme.get("in") == "cookie"
    }
    cookie_security = [
        requirement
        for requirement in refresh.get("security", [])
        if set(requirement) & cookie_schemes
    ]

    assert any("refresh_token" in name for name in cookie_parameters) or cookie_security


def test_the_schema_page_is_interactive_html(client):
    response = client.get(SCHEMA_PATH)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
