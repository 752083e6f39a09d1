"""What an orchestrator and a Prometheus server see: health checks and metrics."""

from __future__ import annotations

import re
import uuid

from dependency_injector import providers
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from entrypoints.http.app import create_app
from tests.e2e.conftest import BASE_URL, PASSWORD, cookie_value, refresh, register, settings_for
from tests.e2e.conftest import use_cookie as hold_cookie

UNREACHABLE_DATABASE = "postgresql+asyncpg://nobody@127.0.0.1:1/none"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def requests_counted(method: str, path: str, status: int) -> float:
    return sample(
        "hexauth_http_requests_total",
        app_name="hexauth",
        method=method,
        path=path,
        status_code=str(status),
    )


def test_liveness_is_ok_while_the_process_serves(client):
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_liveness_stays_ok_when_the_database_does_not_answer_but_readiness_does_not(container):
    container.settings.override(providers.Object(settings_for(UNREACHABLE_DATABASE)))
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        assert client.get("/health/live").status_code == 200
        assert client.get("/health").status_code == 503


def test_metrics_are_prometheus_text(client):
    client.get("/health/live")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE hexauth_http_requests_total counter" in response.text
    assert "# TYPE hexauth_http_request_duration_seconds histogram" in response.text
    assert "# TYPE hexauth_logins_total counter" in response.text


def test_requests_are_counted_and_timed_by_route_and_status(client):
    before = requests_counted("GET", "/health/live", 200)
    timed_before = sample(
        "hexauth_http_request_duration_seconds_count",
        app_name="hexauth",
        method="GET",
        path="/health/live",
        status_code="200",
    )

    for _ in range(3):
        client.get("/health/live")
    client.post("/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})

    assert requests_counted("GET", "/health/live", 200) == before + 3
    assert (
        sample(
            "hexauth_http_request_duration_seconds_count",
            app_name="hexauth",
            method="GET",
            path="/health/live",
            status_code="200",
        )
        == timed_before + 3
    )
    assert requests_counted("POST", "/auth/login", 401) >= 1


def test_paths_with_parameters_are_labelled_by_their_route_template(client):
    route = next(r for r in client.app.routes if "{" in r.path and r.methods & {"GET", "DELETE"})
    method = "GET" if "GET" in route.methods else "DELETE"
    concrete = re.sub(r"\{[^}]+\}", uuid.uuid4().hex, route.path)
    template = route.path_format  # "/auth/sessions/{id}" for "/auth/sessions/{id:uuid}"
    statuses = (200, 204, 401, 404)
    before = sum(requests_counted(method, template, status) for status in statuses)

    client.request(method, concrete)

    assert sum(requests_counted(method, template, status) for status in statuses) == before + 1
    assert concrete not in client.get("/metrics").text


def test_unknown_paths_and_scrapes_make_no_series(client):
    unknown = f"/nothing/{uuid.uuid4().hex}"
    client.get(unknown)
    client.get("/metrics")

    text = client.get("/metrics").text

    assert unknown not in text
    assert 'path="/metrics"' not in text


def test_security_events_are_counted(client, clock):
    logins = sample("hexauth_logins_total")
    failures = sample("hexauth_login_failures_total", reason="wrong_password")
    refreshes = sample("hexauth_refreshes_total")
    reuse = sample("hexauth_refresh_reuse_detected_total")
    replays = sample("hexauth_refresh_replays_total")
    registrations = sample("hexauth_registrations_total")

    first = cookie_value(register(client))
    wrong = client.post("/auth/login", json={"email": "ada@example.com", "password": "x" * 20})
    assert wrong.status_code == 401
    right = client.post("/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert right.status_code == 200
    hold_cookie(client, first)
    assert refresh(client).status_code == 200
    hold_cookie(client, first)
    assert refresh(client).status_code == 200  # a replay, inside the grace window
    clock.advance(seconds=6)  # past the reuse grace window
    hold_cookie(client, first)
    assert refresh(client).status_code == 401

    assert sample("hexauth_registrations_total") == registrations + 1
    assert sample("hexauth_login_failures_total", reason="wrong_password") == failures + 1
    assert sample("hexauth_logins_total") == logins + 1
    assert sample("hexauth_refreshes_total") == refreshes + 1
    assert sample("hexauth_refresh_reuse_detected_total") == reuse + 1
    assert sample("hexauth_refresh_replays_total") == replays + 1


def test_several_apps_in_one_process_share_the_metrics_without_clashing(container):
    for _ in range(3):
        with TestClient(create_app(container), base_url=BASE_URL) as client:
            assert client.get("/metrics").status_code == 200


def test_a_refused_bearer_token_is_counted_as_the_401_the_client_got(client):
    before = {status: requests_counted("GET", "/users/me", status) for status in (200, 401, 500)}

    answer = client.get("/users/me", headers={"Authorization": "Bearer not-a-token"})

    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    after = {status: requests_counted("GET", "/users/me", status) for status in (200, 401, 500)}
    assert {status: after[status] - before[status] for status in after} == {200: 0, 401: 1, 500: 0}
