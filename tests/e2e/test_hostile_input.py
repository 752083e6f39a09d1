"""docs/api.md "Conventions": JSON-only bodies (415 otherwise), undecodable bodies are 400 before
any other work, nothing a client sends is a 500, and no log line holds what a client sent."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from adapters.tokens.keys import new_key_entry
from entrypoints.log_config import logging_config
from tests.e2e.conftest import CSRF, PASSWORD, bearer, register
from tests.e2e.processes import running
from tests.e2e.served import HEXAUTH, _environment, hexauth
from tests.e2e.test_register_and_login import assert_problem

MARKER = "MARKER-7f3a9c-secret-passphrase"
BODY_ROUTES = ["/auth/register", "/auth/login", "/auth/password"]
ALL_ROUTES = [
    ("POST", "/auth/register"),
    ("POST", "/auth/login"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/logout"),
    ("POST", "/auth/logout-all"),
    ("GET", "/auth/sessions"),
    ("DELETE", "/auth/sessions/not-a-session"),
    ("POST", "/auth/password"),
    ("GET", "/users/me"),
    ("GET", "/health"),
    ("GET", "/health/live"),
    ("GET", "/no-such-path"),
    ("PUT", "/auth/login"),
]


def marked_credentials() -> dict[str, str]:
    return {
        "email": f"{MARKER}@example.com",
        "password": MARKER,
        "current_password": MARKER,
        "new_password": MARKER,
    }


def hostile_bodies() -> list[tuple[str, bytes]]:
    """(content type, body) pairs, each carrying the marker."""
    valid = json.dumps(marked_credentials()).encode()
    email = f'"{MARKER}'.encode()
    return [
        ("text/plain", valid),
        ("application/x-www-form-urlencoded", f"email=x&password={MARKER}".encode()),
        ("multipart/form-data; boundary=x", b"--x\r\n" + valid + b"\r\n--x--"),
        ("", valid),
        ("application/json; charset=latin-1", valid),
        ("application/jsonx", valid),
        ("application/json", b"[" * 2000 + email + b"]" * 2000),
        (
            "application/json",
            b'{"password": "' + MARKER.encode() + b'", "x": ' + b"[" * 33 + b"]" * 33 + b"}",
        ),
        (
            "application/json",
            b'{"email": "a\xff' + email[1:] + b'", "password": "' + MARKER.encode() + b'"}',
        ),
        (
            "application/json",
            b'{"email": "\\ud800", "password": "' + MARKER.encode() + b'\\udfff"}',
        ),
        ("application/json", MARKER.encode()),
        ("application/json", b'{"password": "' + MARKER.encode() + b'"'),
        ("application/json", json.dumps({"email": [MARKER], "password": {"p": MARKER}}).encode()),
        ("application/json", json.dumps({"email": MARKER * 300, "password": MARKER * 30}).encode()),
        ("application/json", json.dumps([MARKER]).encode()),
        ("application/json", json.dumps({"email": 1e309, "password": MARKER}).encode()),
        ("application/json", b"\xef\xbb\xbf" + valid),
        ("application/json", valid + b"\x00"),
        ("application/json", b""),
        ("application/json", valid + b" " * 17000),
    ]


def hostile_headers() -> list[dict[str, str]]:
    return [
        {"Authorization": f"Bearer {MARKER}"},
        {"Authorization": f"Bearer {MARKER}.{MARKER}.{MARKER}.{MARKER}.{MARKER}"},
        {"Authorization": MARKER},
        {"Authorization": f"Basic {MARKER}"},
        {"Cookie": f"__Secure-refresh_token={MARKER}", **CSRF},
        {"Cookie": f"__Secure-refresh_token={MARKER * 400}", **CSRF},
        {"Cookie": f'__Secure-refresh_token="{MARKER}\\"; x', **CSRF},
        {"Cookie": f"refresh_token={MARKER}; __Secure-refresh_token=", **CSRF},
        {"X-Requested-With": MARKER, "Origin": f"https://{MARKER}.example"},
        {"Origin": MARKER, "Sec-Fetch-Site": MARKER, **CSRF},
        {"X-Request-ID": MARKER + "\n" + MARKER, "User-Agent": MARKER * 100},
        {"X-Forwarded-For": MARKER, "X-Forwarded-Host": MARKER, "Host": MARKER},
        {"Content-Length": "1", "Content-Type": MARKER},
    ]


@pytest.fixture
def every_log_line(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of every logger at DEBUG, tracebacks included, except where the service's own
    logging configuration sets a logger's level (the drivers, which log statement parameters)."""
    configured = logging_config(as_json=False)["loggers"]
    loggers = {name: logging.getLogger(name) for name in ("litestar", "uvicorn", *configured)}
    levels = {name: logger.level for name, logger in loggers.items()}
    for name, logger in loggers.items():
        logger.setLevel(configured.get(name, {}).get("level", logging.DEBUG))
    caplog.set_level(logging.DEBUG)
    yield caplog
    for name, logger in loggers.items():
        logger.setLevel(levels[name])


@pytest.mark.parametrize("path", BODY_ROUTES)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "application/jsonp"],
)
def test_a_body_that_is_not_json_is_415(client, path, content_type):
    signed_in = bearer(register(client, email="owner@example.com"))
    body = json.dumps({"email": "ada@example.com", "password": PASSWORD}).encode()

    response = client.post(path, content=body, headers={"Content-Type": content_type, **signed_in})

    assert_problem(response, 415, "unsupported-media-type")
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON; charset=UTF-8",
        "application/vnd.hexauth+json",
    ],
)
def test_json_with_a_charset_or_a_structured_suffix_is_accepted(client, content_type):
    body = json.dumps({"email": "ada@example.com", "password": PASSWORD}).encode()

    response = client.post("/auth/register", content=body, headers={"Content-Type": content_type})

    assert response.status_code == 201, response.text


UNDECODABLE = {
    "2000 nested arrays": b"[" * 2000 + b"]" * 2000,
    "33 nested levels": b'{"email": "a@example.com", "password": "'
    + PASSWORD.encode()
    + b'", "x": '
    + b"[" * 32
    + b"]" * 32
    + b"}",
    "invalid UTF-8 in the email": b'{"email": "ada\xff@example.com", "password": "'
    + PASSWORD.encode()
    + b'"}',
    "a lone surrogate": b'{"email": "ada@example.com", "password": "\\ud800'
    + PASSWORD.encode()
    + b'"}',
    "not JSON": b"email=ada@example.com",
}


@pytest.mark.parametrize("path", BODY_ROUTES)
@pytest.mark.parametrize("body", list(UNDECODABLE.values()), ids=list(UNDECODABLE))
def test_an_undecodable_body_is_400_on_every_body_route(client, path, body):
    signed_in = bearer(register(client, email="owner@example.com"))

    response = client.post(
        path, content=body, headers={"Content-Type": "application/json", **signed_in}
    )

    body = assert_problem(response, 400, "validation-error")
    assert body["errors"][0]["field"] == "body"


def test_nesting_of_exactly_32_levels_is_read(client):
    inner = b"[" * 30 + b"]" * 30  # inside the object: 31 levels, the object makes 32
    body = (
        b'{"email": "ada@example.com", "password": "'
        + PASSWORD.encode()
        + b'", "x": '
        + inner
        + b"}"
    )

    response = client.post(
        "/auth/register", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 201, response.text


def test_refused_bodies_create_nothing_and_count_no_failed_login(client):
    register(client)
    for _ in range(8):  # more than AUTH_LOGIN_MAX_FAILURES
        for body in UNDECODABLE.values():
            client.post("/auth/login", content=body, headers={"Content-Type": "application/json"})
        client.post(
            "/auth/login",
            content=b'{"email": "ada@example.com", "password": "x"}',
            headers={"Content-Type": "text/plain"},
        )
        client.post(
            "/auth/register",
            content=b'{"email": "eve@example.com", "password": "' + PASSWORD.encode() + b'"}',
            headers={"Content-Type": "text/plain"},
        )

    signed_in = client.post("/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    created = client.post("/auth/register", json={"email": "eve@example.com", "password": PASSWORD})

    assert signed_in.status_code == 200, signed_in.text
    assert created.status_code == 201, created.text


def test_no_hostile_request_is_a_500_or_leaves_its_secrets_in_the_log(client, every_log_line):
    owner = register(client, email="owner@example.com")
    signed_in = bearer(owner)
    answered = 0
    for method, path in ALL_ROUTES:
        for content_type, body in hostile_bodies():
            for auth in ({}, signed_in):
                headers = {"Content-Type": content_type, **auth} if content_type else dict(auth)
                response = client.request(method, path, content=body, headers=headers)
                assert response.status_code < 500, (method, path, content_type, response.text)
                assert MARKER not in response.text
                answered += 1
        for headers in hostile_headers():
            response = client.request(method, path, json=marked_credentials(), headers=headers)
            assert response.status_code < 500, (method, path, headers, response.text)
            answered += 1

    assert answered > 500
    # The test's own HTTP client (httpx) logs on the client's side; everything else is the app's.
    records = [record for record in every_log_line.records if record.name != "httpx"]
    assert records, "the capture saw nothing: the test would prove nothing"
    assert any(record.exc_info is None and record.levelno >= logging.WARNING for record in records)
    for record in records:
        assert MARKER not in every_log_line.handler.format(record)
        assert MARKER not in record.getMessage()
        assert MARKER not in repr(record.args)
        assert MARKER not in repr(getattr(record, "__dict__", {}))


def test_a_served_process_logs_no_secret_of_a_hostile_request(tmp_path):
    """The same through `hexauth serve`: uvicorn's parser and access log, Litestar, and ours."""
    env = {"AUTH_KEYS": new_key_entry("hostile")}
    assert hexauth("migrate", env=_environment(env), cwd=tmp_path).returncode == 0
    with running([*HEXAUTH, "serve"], _environment(env), tmp_path) as server:
        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            for method, path in ALL_ROUTES:
                for content_type, body in hostile_bodies():
                    headers = {"Content-Type": content_type} if content_type else {}
                    response = http.request(method, path, content=body, headers=headers)
                    assert response.status_code < 500, (method, path, response.text)
                for headers in hostile_headers():
                    if {"Host", "Content-Length"} & set(headers) or any(
                        "\n" in v for v in headers.values()
                    ):
                        continue  # httpx sends its own, or refuses to send them
                    response = http.request(
                        method, path, json=marked_credentials(), headers=headers
                    )
                    assert response.status_code < 500, (method, path, response.text)
        assert server.stop() == 0

    output = server.log.read_text()
    assert "POST /auth/login" in output  # the access log was on, and is in the capture
    assert MARKER not in output
