"""docs/api.md "CSRF header" on both cookie endpoints, and CORS through Litestar's CORSConfig."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from entrypoints.http.app import create_app
from tests.e2e.conftest import BASE_URL, CSRF, register, settings_for
from tests.e2e.peers import PeerTestClient
from tests.e2e.test_register_and_login import assert_problem

APP_ORIGIN = "https://app.example.com"
PROXY = "10.0.0.2"


@pytest.fixture(params=["/auth/refresh", "/auth/logout"])
def endpoint(request: pytest.FixtureRequest) -> str:
    return request.param


def passes_csrf(response) -> bool:
    """Refresh without a cookie is 401 and logout 204 once past the guard; the guard says 403."""
    if response.status_code == 403:
        assert_problem(response, 403, "csrf-rejected")
        return False
    assert response.status_code in {401, 204}, response.text
    return True


@pytest.mark.parametrize("value", [None, "", "   "])
def test_the_x_requested_with_header_is_required(client, endpoint, value):
    headers = {} if value is None else {"X-Requested-With": value}

    assert not passes_csrf(client.post(endpoint, headers=headers))


@pytest.mark.parametrize(
    ("site", "allowed"),
    [("cross-site", False), ("Cross-Site", False), ("same-site", True), ("same-origin", True)],
)
def test_cross_site_fetch_metadata_is_refused(client, endpoint, site, allowed):
    response = client.post(endpoint, headers={**CSRF, "Sec-Fetch-Site": site})

    assert passes_csrf(response) is allowed


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://testserver.local", True),
        ("https://TestServer.local:443", True),
        ("https://evil.example", False),
        ("http://testserver.local", False),  # another scheme is another origin
        ("https://testserver.local:8443", False),
        ("https://testserver.local.evil.example", False),
        ("null", False),
    ],
)
def test_an_origin_must_be_the_requests_own(client, endpoint, origin, allowed):
    response = client.post(endpoint, headers={**CSRF, "Origin": origin})

    assert passes_csrf(response) is allowed


def test_an_origin_listed_in_cors_allowed_origins_is_accepted(container, database_url, endpoint):
    container.settings.override(
        providers.Object(settings_for(database_url, cors_allowed_origins=(APP_ORIGIN,)))
    )
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        assert passes_csrf(client.post(endpoint, headers={**CSRF, "Origin": APP_ORIGIN}))
        assert not passes_csrf(
            client.post(endpoint, headers={**CSRF, "Origin": "https://other.example.com"})
        )


def test_a_refused_logout_revokes_nothing_and_a_refused_refresh_rotates_nothing(client):
    register(client)

    logout = client.post("/auth/logout", headers={"Origin": "https://evil.example", **CSRF})
    refresh = client.post("/auth/refresh", headers={"Sec-Fetch-Site": "cross-site", **CSRF})

    for refused in (logout, refresh):
        assert_problem(refused, 403, "csrf-rejected")
        assert "set-cookie" not in refused.headers
    assert client.post("/auth/refresh", headers=CSRF).status_code == 200


@pytest.fixture
def behind_proxy(container, database_url) -> Iterator[PeerTestClient]:
    """The app served over plain HTTP to a TLS-terminating proxy at 10.0.0.2."""
    container.settings.override(
        providers.Object(settings_for(database_url, forwarded_allow_ips=(PROXY,)))
    )
    with PeerTestClient(
        create_app(container), peer=PROXY, base_url="http://internal.local:8000"
    ) as c:
        yield c


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "auth.example.com"}


def test_behind_a_trusted_proxy_the_own_origin_is_what_the_proxy_forwards(behind_proxy, endpoint):
    public = behind_proxy.post(
        endpoint, headers={**CSRF, **FORWARDED, "Origin": "https://auth.example.com"}
    )
    internal = behind_proxy.post(
        endpoint, headers={**CSRF, **FORWARDED, "Origin": "http://internal.local:8000"}
    )

    assert passes_csrf(public)
    assert not passes_csrf(internal)


def test_forwarded_headers_from_a_peer_that_is_not_trusted_are_ignored(behind_proxy, endpoint):
    behind_proxy.peer = "192.0.2.99"  # talks to the app directly, claiming to be the proxy

    spoofed = behind_proxy.post(
        endpoint, headers={**CSRF, **FORWARDED, "Origin": "https://auth.example.com"}
    )
    direct = behind_proxy.post(endpoint, headers={**CSRF, "Origin": "http://internal.local:8000"})

    assert not passes_csrf(spoofed)
    assert passes_csrf(direct)


@pytest.fixture
def cors_client(container, database_url) -> Iterator[TestClient]:
    container.settings.override(
        providers.Object(settings_for(database_url, cors_allowed_origins=(APP_ORIGIN,)))
    )
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        yield client


def test_a_listed_origin_may_read_responses_with_credentials(cors_client):
    response = cors_client.post("/auth/refresh", headers={**CSRF, "Origin": APP_ORIGIN})

    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in response.headers["vary"]


def test_any_other_origin_gets_no_allow_origin(cors_client):
    for path in ("/auth/refresh", "/users/me", "/health"):
        response = cors_client.request(
            "POST" if path == "/auth/refresh" else "GET",
            path,
            headers={**CSRF, "Origin": "https://evil.example"},
        )
        assert "access-control-allow-origin" not in response.headers


def test_a_preflight_from_a_listed_origin_allows_the_csrf_header_and_post(cors_client):
    response = cors_client.options(
        "/auth/refresh",
        headers={
            "Origin": APP_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-requested-with, content-type",
        },
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "x-requested-with" in response.headers["access-control-allow-headers"].lower()


def test_a_preflight_from_another_origin_is_not_allowed(cors_client):
    response = cors_client.options(
        "/auth/refresh",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_without_cors_allowed_origins_no_origin_gets_cors_headers(client):
    simple = client.post("/auth/refresh", headers={**CSRF, "Origin": APP_ORIGIN})
    preflight = client.options(
        "/auth/refresh", headers={"Origin": APP_ORIGIN, "Access-Control-Request-Method": "POST"}
    )

    for response in (simple, preflight):
        assert not [h for h in response.headers if h.lower().startswith("access-control-")]


def test_behind_a_trusted_proxy_with_cors_configured_the_forwarded_host_still_counts(
    container, database_url, endpoint
):
    # Litestar's CORS middleware reads (and caches) the headers before the app's middleware runs.
    container.settings.override(
        providers.Object(
            settings_for(
                database_url, forwarded_allow_ips=(PROXY,), cors_allowed_origins=(APP_ORIGIN,)
            )
        )
    )
    with PeerTestClient(
        create_app(container), peer=PROXY, base_url="http://internal.local:8000"
    ) as client:
        public = client.post(
            endpoint, headers={**CSRF, **FORWARDED, "Origin": "https://auth.example.com"}
        )
        internal = client.post(
            endpoint, headers={**CSRF, **FORWARDED, "Origin": "http://internal.local:8000"}
        )

    assert passes_csrf(public)
    assert not passes_csrf(internal)
