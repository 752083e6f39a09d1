"""examples/resource_server's routes: 401 for a missing or refused token, 403 without `mfa`."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt import PyJWK, PyJWKClientConnectionError
from litestar.testing import TestClient

from examples.resource_server.app import create_app
from examples.resource_server.settings import Settings
from examples.resource_server.verifier import AccessTokenVerifier
from tests.support.signed_tokens import AUDIENCE, ISSUER, access_claims, public_jwk, signed

KEY = Ed25519PrivateKey.generate()
KEYS = {"k1": PyJWK(public_jwk(KEY, "k1"))}
PASSWORD_ONLY = signed(access_claims(amr=["pwd"]), KEY, "k1")
WITH_A_PASSKEY = signed(access_claims(amr=["hwk", "user", "mfa"]), KEY, "k1")


@pytest.fixture
def client():
    verifier = AccessTokenVerifier(KEYS.__getitem__, ISSUER, AUDIENCE)
    with TestClient(create_app(verifier)) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_whoami_answers_with_the_tokens_subject_and_methods(client):
    response = client.get("/whoami", headers=bearer(PASSWORD_ONLY))

    assert response.status_code == 200
    assert response.json()["amr"] == ["pwd"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}],
    ids=["no header", "another scheme", "no token"],
)
def test_a_request_without_a_bearer_token_is_401_with_the_bare_challenge(client, headers):
    response = client.get("/whoami", headers=headers)

    # RFC 6750 section 3.1: no error code when the request carried no bearer token at all.
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_refused_token_is_401_with_the_invalid_token_challenge(client):
    response = client.get("/whoami", headers=bearer("not.a.token"))

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_the_sensitive_route_refuses_a_password_only_sign_in(client):
    assert client.get("/sensitive", headers=bearer(PASSWORD_ONLY)).status_code == 403


def test_the_sensitive_route_opens_to_a_sign_in_with_a_second_factor(client):
    response = client.get("/sensitive", headers=bearer(WITH_A_PASSKEY))

    assert response.status_code == 200


def test_an_unreachable_key_set_is_503_not_401():
    def unreachable(kid: str) -> PyJWK:
        raise PyJWKClientConnectionError("Fail to fetch data from the url")

    verifier = AccessTokenVerifier(unreachable, ISSUER, AUDIENCE)
    with TestClient(create_app(verifier)) as client:
        assert client.get("/whoami", headers=bearer(PASSWORD_ONLY)).status_code == 503


def test_settings_need_the_jwks_url_and_default_to_hexauths_issuer_audience_and_max_age():
    with pytest.raises(ValueError, match="HEXAUTH_JWKS_URL"):
        Settings.from_env({})

    settings = Settings.from_env(
        {"HEXAUTH_JWKS_URL": "http://127.0.0.1:8000/.well-known/jwks.json"}
    )

    assert (settings.issuer, settings.audience) == ("hexauth", "hexauth-api")
    assert settings.jwks_cache_seconds == 300
