"""A page on another origin of the same site (CORS_ALLOWED_ORIGINS) reads what its forms show."""

from __future__ import annotations

from tests.e2e.conftest import settings_for
from tests.e2e.test_web_app_serving import serve

PAGE = "https://app.example.com"


def test_a_listed_origin_may_read_retry_after(sqlite_database_url):
    settings = settings_for(sqlite_database_url, cors_allowed_origins=(PAGE,))
    with serve(settings) as client:
        response = client.get("/health", headers={"Origin": PAGE})

    assert response.headers["access-control-allow-origin"] == PAGE
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "retry-after" in [name.strip() for name in exposed.split(",")]
