"""docs/api.md "Cross-site requests": register and login refuse what a cross-site page could send
(a login CSRF would sign the victim's browser into the attacker's account), without needing
X-Requested-With, and a refused request sets no cookie and creates or counts nothing."""

from __future__ import annotations

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from entrypoints.http.app import create_app
from tests.e2e.conftest import BASE_URL, PASSWORD, register, settings_for
from tests.e2e.test_register_and_login import assert_problem

APP_ORIGIN = "https://app.example.com"
CREDENTIALS = {"email": "ada@example.com", "password": PASSWORD}
CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "Cross-Site", "Origin": BASE_URL},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://testserver.local"},  # the scheme differs: another origin
]


@pytest.fixture(params=["/auth/register", "/auth/login"])
def endpoint(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_a_cross_site_request_is_refused_and_sets_no_cookie(client, endpoint, headers):
    if endpoint == "/auth/login":
        register(client)
        client.cookies.clear()

    response = client.post(endpoint, json=CREDENTIALS, headers=headers)

    assert_problem(response, 403, "csrf-rejected")
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Sec-Fetch-Site": "same-origin", "Origin": BASE_URL},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": f"{BASE_URL}:443"},
    ],
)
def test_curl_and_the_own_origin_need_no_custom_header(client, endpoint, headers):
    if endpoint == "/auth/login":
        register(client)

    response = client.post(endpoint, json=CREDENTIALS, headers=headers)

    assert response.status_code in {200, 201}, response.text
    assert "refresh_token=" in response.headers["set-cookie"]


def test_a_listed_origin_may_register_and_log_in(container, database_url):
    container.settings.override(
        providers.Object(settings_for(database_url, cors_allowed_origins=(APP_ORIGIN,)))
    )
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        registered = client.post("/auth/register", json=CREDENTIALS, headers={"Origin": APP_ORIGIN})
        signed_in = client.post("/auth/login", json=CREDENTIALS, headers={"Origin": APP_ORIGIN})

    assert registered.status_code == 201, registered.text
    assert signed_in.status_code == 200, signed_in.text


def test_a_refused_registration_creates_no_account(client):
    client.post("/auth/register", json=CREDENTIALS, headers={"Sec-Fetch-Site": "cross-site"})

    assert client.post("/auth/register", json=CREDENTIALS).status_code == 201


def test_refused_logins_count_no_failure(client):
    register(client)
    wrong = {**CREDENTIALS, "password": "not the password, but long"}
    for _ in range(10):  # more than AUTH_LOGIN_MAX_FAILURES
        client.post("/auth/login", json=wrong, headers={"Origin": "https://evil.example"})

    assert client.post("/auth/login", json=CREDENTIALS).status_code == 200


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("/auth/password/forgot", {"email": "ada@example.com"}),
        ("/auth/password/reset", {"token": "x" * 43, "new_password": PASSWORD + " again"}),
        ("/auth/email/verify", {"token": "x" * 43}),
    ],
)
@pytest.mark.parametrize("headers", CROSS_SITE)
def test_the_recovery_routes_refuse_cross_site_requests_too(client, endpoint, body, headers):
    response = client.post(endpoint, json=body, headers=headers)

    assert_problem(response, 403, "csrf-rejected")


@pytest.mark.parametrize(
    ("endpoint", "body", "status"),
    [
        ("/auth/password/forgot", {"email": "ada@example.com"}, 202),
        ("/auth/password/reset", {"token": "x" * 43, "new_password": PASSWORD + " again"}, 400),
        ("/auth/email/verify", {"token": "x" * 43}, 400),
    ],
)
def test_the_recovery_routes_answer_the_own_origin(client, endpoint, body, status):
    response = client.post(endpoint, json=body, headers={"Origin": BASE_URL})

    assert response.status_code == status, response.text
