"""One access line per request: method, route template, status, duration and request id, and
never the query string or the ids in the path."""

from __future__ import annotations

import logging
import uuid

import pytest

from entrypoints.http.request_id import RequestIdLogFilter
from tests.e2e.conftest import bearer, register


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.handler.addFilter(RequestIdLogFilter())
    caplog.set_level(logging.INFO, logger="hexauth.access")
    return caplog


def access_lines(logs: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in logs.records if record.name == "hexauth.access"]


def test_each_request_logs_one_line_with_its_route_status_duration_and_id(client, logs):
    headers = {**bearer(register(client)), "X-Request-ID": "req-me"}
    logs.clear()

    client.get("/users/me?token=s3cret", headers=headers)

    [line] = access_lines(logs)
    assert line.getMessage() == "GET /users/me 200"
    assert (line.method, line.path, line.status) == ("GET", "/users/me", 200)
    assert line.duration_ms >= 0
    assert line.request_id == "req-me"


def test_the_line_names_the_route_not_the_ids_in_the_path(client, logs):
    headers = bearer(register(client))
    session_id = uuid.uuid4()

    answer = client.delete(f"/auth/sessions/{session_id}", headers=headers)

    [line] = [r for r in access_lines(logs) if r.method == "DELETE"]
    assert line.status == answer.status_code
    assert str(session_id) not in line.getMessage()
    assert line.path.startswith("/auth/sessions/{")


@pytest.mark.parametrize(
    "authorization", [None, "Bearer ", "Bearer not-a-token", "Basic YWRhOnB3"], ids=str
)
def test_a_refused_bearer_token_is_logged_with_the_401_the_client_got(client, logs, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    answer = client.get("/users/me", headers=headers)

    [line] = access_lines(logs)
    assert answer.status_code == 401
    assert (line.getMessage(), line.status) == ("GET /users/me 401", 401)
