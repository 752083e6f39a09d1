"""Rotating hexauth's signing keys (docs/tokens.md) under a verifier that caches the JWKS:
restarted with the new key added second, then moved first, then with the old one dropped, no
token signed by a published key ever stops verifying at examples/resource_server.

The waits are scaled down: the example caches the JWKS for CACHE seconds, not 300.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager as ContextManager

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.e2e.processes import Server, running
from tests.e2e.served import HEXAUTH, hexauth
from tests.e2e.verifiers import (
    EXAMPLE,
    access_token,
    example_env,
    hexauth_env,
    register,
    whoami,
)
from tests.support.ports import free_port

OLD, NEW = ("2026a", Ed25519PrivateKey.generate()), ("2026b", Ed25519PrivateKey.generate())
CACHE = 2
EMAIL = "ada@example.com"


def kid_of(token: str) -> str:
    kid: str = jwt.get_unverified_header(token)["kid"]
    return kid


def wait_for_the_cache_to_expire() -> None:
    time.sleep(CACHE + 1)


def test_rotating_signing_keys_never_breaks_a_caching_verifier(tmp_path):
    assert hexauth("migrate", env=hexauth_env(OLD), cwd=tmp_path).returncode == 0
    port = free_port()  # hexauth restarts on the same address, where the example fetches

    def hexauth_signing_with(*keys: tuple[str, Ed25519PrivateKey]) -> ContextManager[Server]:
        return running([*HEXAUTH, "serve"], env=hexauth_env(*keys), cwd=tmp_path, port=port)

    example_settings = example_env(f"http://127.0.0.1:{port}", JWKS_CACHE_SECONDS=str(CACHE))
    with running(EXAMPLE, env=example_settings, cwd=tmp_path) as example:

        def statuses(*tokens: str) -> list[int]:
            return [whoami(example.base_url, token) for token in tokens]

        with hexauth_signing_with(OLD) as server:
            register(server.base_url, EMAIL)
            first = access_token(server.base_url, EMAIL)
            assert statuses(first) == [200]

        # Steps 1 and 2 of docs/tokens.md: the new key published second, the old one signs.
        with hexauth_signing_with(OLD, NEW) as server:
            second = access_token(server.base_url, EMAIL)
            assert kid_of(second) == OLD[0]
            assert statuses(first, second) == [200, 200]
            wait_for_the_cache_to_expire()  # in production: 300 s plus the access TTL
            assert statuses(first, second) == [200, 200]

        # Step 3: the new key moved first signs; the old one still verifies.
        with hexauth_signing_with(NEW, OLD) as server:
            third = access_token(server.base_url, EMAIL)
            assert kid_of(third) == NEW[0]
            assert statuses(first, second, third) == [200, 200, 200]

        # Step 4: the old key dropped; its tokens stop verifying once the cached JWKS expires.
        with hexauth_signing_with(NEW):
            wait_for_the_cache_to_expire()
            assert statuses(third, first, second) == [200, 401, 401]
