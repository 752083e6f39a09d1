"""hexauth with signed access tokens (`AUTH_ACCESS_TOKEN_FORMAT=jws`) and the verifier examples
(examples/resource_server, in Python and in Node) side by side, as separate processes over HTTP:
the examples hold nothing of hexauth's but the JWKS URL, the issuer and the audience."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.e2e.processes import running
from tests.e2e.served import HEXAUTH, PATIENCE, ROOT, hexauth
from tests.e2e.verifiers import (
    EXAMPLE,
    JWKS_PATH,
    access_token,
    example_env,
    hexauth_env,
    jwks_requests,
    register,
    whoami,
)
from tests.support.signed_tokens import hmac_with_the_public_key, signed, unsigned

NODE_VERIFIER = ROOT / "examples" / "resource_server" / "node"
SIGNING_KEY = Ed25519PrivateKey.generate()
EMAIL = "ada@example.com"
GARBAGE_KIDS = 40


@dataclass(frozen=True)
class SideBySide:
    hexauth_url: str
    example_url: str
    access_token: str
    refresh_token: str


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SideBySide]:
    cwd = tmp_path_factory.mktemp("side-by-side")
    env = hexauth_env(("k1", SIGNING_KEY))
    migrated = hexauth("migrate", env=env, cwd=cwd)
    assert migrated.returncode == 0, migrated.stderr
    # The example as deployed: the JWKS cached for its max-age, refetches 30 s apart.
    with (
        running([*HEXAUTH, "serve"], env=env, cwd=cwd) as server,
        running(EXAMPLE, env=example_env(server.base_url), cwd=cwd) as example,
    ):
        registered = register(server.base_url, EMAIL)
        refresh_token = registered.headers["set-cookie"].split(";")[0].split("=", 1)[1]
        token = access_token(server.base_url, EMAIL)
        yield SideBySide(server.base_url, example.base_url, token, refresh_token)


def claims_of(token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return claims


def refused_tokens(services: SideBySide) -> dict[str, str]:
    """Every kind of token a verifier must refuse, made from a real one."""
    claims = claims_of(services.access_token)
    published = httpx.get(f"{services.hexauth_url}{JWKS_PATH}").json()["keys"][0]
    header, _, signature = services.access_token.split(".")
    more_methods = signed({**claims, "amr": ["pwd", "otp", "mfa"]}, SIGNING_KEY, "k1")
    swapped = f"{header}.{more_methods.split('.')[1]}.{signature}"
    now = int(time.time())
    return {
        "payload swapped under a real signature": swapped,
        "signed by another key under the real kid": signed(
            claims, Ed25519PrivateKey.generate(), "k1"
        ),
        "expired": signed({**claims, "iat": now - 1000, "exp": now - 100}, SIGNING_KEY, "k1"),
        "hexauth's refresh token": services.refresh_token,
        "a signed refresh token": signed(
            {**claims, "type": "refresh"}, SIGNING_KEY, "k1", typ="rt+jwt"
        ),
        "HS256 keyed with the published public key": hmac_with_the_public_key(claims, published),
        "alg none": unsigned(claims, "k1"),
        "an unknown kid": signed(claims, Ed25519PrivateKey.generate(), "k9"),
    }


def garbage_kid_tokens(services: SideBySide) -> list[str]:
    claims = claims_of(services.access_token)
    return [
        signed(claims, Ed25519PrivateKey.generate(), base64.b32encode(bytes([n] * 5)).decode())
        for n in range(GARBAGE_KIDS)
    ]


def test_an_access_token_from_login_verifies_at_the_example(side_by_side):
    token = side_by_side.access_token
    me = httpx.get(
        f"{side_by_side.hexauth_url}/users/me", headers={"Authorization": f"Bearer {token}"}
    )
    caller = httpx.get(
        f"{side_by_side.example_url}/whoami", headers={"Authorization": f"Bearer {token}"}
    )

    assert caller.status_code == 200
    assert caller.json() == {"sub": me.json()["id"], "amr": ["pwd"]}


def test_the_sensitive_route_needs_a_second_factor_in_amr(side_by_side):
    url = f"{side_by_side.example_url}/sensitive"
    password_only = side_by_side.access_token
    with_mfa = signed({**claims_of(password_only), "amr": ["pwd", "otp", "mfa"]}, SIGNING_KEY, "k1")

    assert httpx.get(url, headers={"Authorization": f"Bearer {password_only}"}).status_code == 403
    assert httpx.get(url, headers={"Authorization": f"Bearer {with_mfa}"}).status_code == 200


def test_every_forged_expired_refresh_or_confused_token_is_refused(side_by_side):
    statuses = {
        kind: whoami(side_by_side.example_url, token)
        for kind, token in refused_tokens(side_by_side).items()
    }

    assert statuses == dict.fromkeys(statuses, 401)


def test_garbage_kids_make_the_example_refetch_at_most_once(side_by_side):
    assert whoami(side_by_side.example_url, side_by_side.access_token) == 200  # JWKS cached
    before = jwks_requests(side_by_side.hexauth_url)

    statuses = {
        whoami(side_by_side.example_url, token) for token in garbage_kid_tokens(side_by_side)
    }

    assert statuses == {401}
    # One refetch for an unknown kid per 30 s cooldown, whatever the number of made-up kids.
    assert jwks_requests(side_by_side.hexauth_url) - before <= 1


def node_verdicts(side_by_side: SideBySide, tokens: list[str]) -> list[dict[str, object]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("NODE UNAVAILABLE: node is needed for the Node verifier example")
    if not (NODE_VERIFIER / "node_modules" / "jose").is_dir():
        pytest.fail(f"run `npm ci` in {NODE_VERIFIER} (make test and .ci/run do)")
    result = subprocess.run(
        [node, "check-tokens.mjs"],
        input=json.dumps(tokens),
        env=example_env(side_by_side.hexauth_url),
        cwd=NODE_VERIFIER,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    verdicts: list[dict[str, object]] = json.loads(result.stdout)
    return verdicts


def test_the_node_example_verifies_and_refuses_the_same_tokens(side_by_side):
    refused = refused_tokens(side_by_side)
    garbage = garbage_kid_tokens(side_by_side)
    with_mfa = signed(
        {**claims_of(side_by_side.access_token), "amr": ["hwk", "user", "mfa"]}, SIGNING_KEY, "k1"
    )
    before = jwks_requests(side_by_side.hexauth_url)

    first, second, *others = node_verdicts(
        side_by_side, [side_by_side.access_token, with_mfa, *refused.values(), *garbage]
    )

    sub = claims_of(side_by_side.access_token)["sub"]
    assert first == {"valid": True, "sub": sub, "mfa": False}
    assert second == {"valid": True, "sub": sub, "mfa": True}
    verdicts = dict(zip([*refused, *range(GARBAGE_KIDS)], others, strict=True))
    assert {kind: verdict["valid"] for kind, verdict in verdicts.items()} == dict.fromkeys(
        verdicts, False
    )
    # The first token fetched the set; the made-up kids came within jose's 30 s cooldown.
    assert jwks_requests(side_by_side.hexauth_url) - before == 1
