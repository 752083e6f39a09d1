"""Helpers for the tests that run hexauth (`AUTH_ACCESS_TOKEN_FORMAT=jws`) and the verifier
examples (examples/resource_server) side by side over HTTP."""

from __future__ import annotations

import sys

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.served import _environment
from tests.support.signed_tokens import signing_key_entry

EXAMPLE = [sys.executable, "-m", "examples.resource_server"]
JWKS_PATH = "/.well-known/jwks.json"
PASSWORD = "correct horse battery staple"


def hexauth_env(*keys: tuple[str, Ed25519PrivateKey]) -> dict[str, str]:
    """hexauth's environment for signed access tokens under `keys`, the first signing."""
    entries = ",".join(signing_key_entry(kid, key) for kid, key in keys)
    return _environment({"AUTH_ACCESS_TOKEN_FORMAT": "jws", "AUTH_SIGNING_KEYS": entries})


def example_env(hexauth_url: str, **settings: str) -> dict[str, str]:
    """The resource server's environment, verifying against hexauth at `hexauth_url`."""
    return _environment({"HEXAUTH_JWKS_URL": f"{hexauth_url}{JWKS_PATH}", **settings})


def register(hexauth_url: str, email: str) -> httpx.Response:
    response = httpx.post(
        f"{hexauth_url}/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    return response


def access_token(hexauth_url: str, email: str) -> str:
    """A fresh access token for the registered `email`, from a password login."""
    response = httpx.post(f"{hexauth_url}/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def jwks_requests(hexauth_url: str) -> int:
    """How many times hexauth has answered its JWKS since it started (from its /metrics)."""
    text = httpx.get(f"{hexauth_url}/metrics").text
    return int(
        sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "hexauth_http_requests_total"
            and sample.labels.get("path") == JWKS_PATH
        )
    )


def whoami(example_url: str, token: str) -> int:
    """The resource server's status for `token`."""
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{example_url}/whoami", headers=headers).status_code
