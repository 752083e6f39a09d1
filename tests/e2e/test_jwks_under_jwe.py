"""Under the default AUTH_ACCESS_TOKEN_FORMAT=jwe no key verifies an access token outside the
service, so the JWK Set is empty (docs/api.md, GET /.well-known/jwks.json)."""

from __future__ import annotations

import pytest

from entrypoints.settings import Settings
from tests.e2e.conftest import bearer, register, settings_for


@pytest.fixture
def settings(sqlite_database_url: str) -> Settings:
    return settings_for(sqlite_database_url)


def test_the_jwks_is_empty_and_access_tokens_stay_encrypted(client):
    response = client.get("/.well-known/jwks.json")
    registered = register(client)

    assert response.status_code == 200
    assert response.json() == {"keys": []}
    assert response.headers["cache-control"] == "public, max-age=300"
    assert len(registered.json()["access_token"].split(".")) == 5
    assert client.get("/users/me", headers=bearer(registered)).status_code == 200
