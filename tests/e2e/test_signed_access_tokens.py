"""AUTH_ACCESS_TOKEN_FORMAT=jws through the app: signed access tokens another service verifies
with the published JWK Set alone (docs/api.md "Token format", GET /.well-known/jwks.json)."""

from __future__ import annotations

import jwt
import pytest

from adapters.tokens.keys import new_signing_key_entry
from entrypoints.settings import Settings
from tests.e2e.conftest import (
    COOKIE,
    bearer,
    cookie_value,
    refresh,
    register,
    settings_for,
    use_cookie,
)

JWKS = "/.well-known/jwks.json"
SIGNING_KEYS = f"{new_signing_key_entry('current')},{new_signing_key_entry('next')}"


@pytest.fixture
def settings(sqlite_database_url: str) -> Settings:
    """The token format does not depend on the database: one backend is enough."""
    return settings_for(sqlite_database_url, access_token_format="jws", signing_keys=SIGNING_KEYS)


def verify_as_another_service(token: str, jwks: dict) -> dict:
    """What a resource server does with PyJWT and nothing but the JWK Set."""
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(token, key, algorithms=["EdDSA"], audience="hexauth-api", issuer="hexauth")


def test_a_signed_access_token_opens_the_account_and_verifies_with_the_jwks(client):
    registered = register(client)

    me = client.get("/users/me", headers=bearer(registered))
    claims = verify_as_another_service(registered.json()["access_token"], client.get(JWKS).json())

    assert me.status_code == 200
    assert claims["sub"] == me.json()["id"]
    assert claims["type"] == "access"
    assert jwt.get_unverified_header(registered.json()["access_token"])["kid"] == "current"


def test_a_refresh_hands_out_a_signed_access_token_and_an_encrypted_refresh_token(client):
    register(client)

    refreshed = refresh(client)

    assert refreshed.status_code == 200
    assert len(refreshed.json()["access_token"].split(".")) == 3
    assert len(cookie_value(refreshed).split(".")) == 5
    assert client.get("/users/me", headers=bearer(refreshed)).status_code == 200


def test_the_jwks_publishes_every_signing_key_for_five_minutes(client):
    response = client.get(JWKS)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    keys = response.json()["keys"]
    assert [key["kid"] for key in keys] == ["current", "next"]
    for key in keys:
        assert set(key) == {"kty", "crv", "x", "kid", "use", "alg"}  # never `d`
        assert (key["kty"], key["crv"], key["use"], key["alg"]) == (
            "OKP",
            "Ed25519",
            "sig",
            "EdDSA",
        )


def test_a_forged_access_token_gets_the_same_401_as_any_invalid_token(client):
    access = register(client).json()["access_token"]
    head, body, signature = access.split(".")
    forged = f"{head}.{body}.{signature[::-1]}"

    refused = client.get("/users/me", headers={"Authorization": f"Bearer {forged}"})
    garbage = client.get("/users/me", headers={"Authorization": "Bearer garbage"})

    assert refused.status_code == garbage.status_code == 401
    assert refused.json() == garbage.json()
    assert refused.headers["www-authenticate"] == garbage.headers["www-authenticate"]


def test_a_refresh_token_is_refused_as_a_bearer_token(client):
    refresh_token = cookie_value(register(client))

    response = client.get("/users/me", headers={"Authorization": f"Bearer {refresh_token}"})

    assert response.status_code == 401


def test_an_access_token_in_the_refresh_cookie_is_refused(client):
    access = register(client).json()["access_token"]
    use_cookie(client, access, COOKIE)

    assert refresh(client).status_code == 401


def test_the_jwks_is_in_the_openapi_document_with_its_schema(client):
    document = client.get("/schema/openapi.json").json()

    ok = document["paths"][JWKS]["get"]["responses"]["200"]["content"]["application/json"]
    key_set = document["components"]["schemas"]["JsonWebKeySet"]
    key = document["components"]["schemas"]["JsonWebKey"]

    assert ok["schema"] == {"$ref": "#/components/schemas/JsonWebKeySet"}
    assert key_set["properties"]["keys"]["items"] == {"$ref": "#/components/schemas/JsonWebKey"}
    assert set(key["required"]) == {"kty", "crv", "x", "kid", "use", "alg"}
    assert "d" not in key["properties"]
