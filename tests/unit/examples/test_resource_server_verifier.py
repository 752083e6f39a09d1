"""examples/resource_server's verifier, on a key set in memory (over HTTP: tests/e2e)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt import PyJWK, PyJWKClientConnectionError, PyJWKClientError

from examples.resource_server.verifier import (
    AccessTokenVerifier,
    InvalidAccessToken,
    KeySetUnavailable,
)
from tests.support.signed_tokens import (
    AUDIENCE,
    ISSUER,
    access_claims,
    hmac_with_the_public_key,
    public_jwk,
    signed,
    unsigned,
)

KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()
JWK = public_jwk(KEY, "k1")


class KeySet:
    """Looks keys up like PyJWKClient.get_signing_key, counting the lookups."""

    def __init__(self, *jwks: dict[str, object]) -> None:
        self.keys = {str(jwk["kid"]): PyJWK(jwk) for jwk in jwks}
        self.lookups = 0

    def __call__(self, kid: str) -> PyJWK:
        self.lookups += 1
        if kid not in self.keys:
            raise PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
        return self.keys[kid]


@pytest.fixture
def key_set() -> KeySet:
    return KeySet(JWK)


@pytest.fixture
def verifier(key_set: KeySet) -> AccessTokenVerifier:
    return AccessTokenVerifier(key_set, ISSUER, AUDIENCE)


def test_a_signed_access_token_verifies(verifier):
    claims = access_claims(amr=["pwd", "otp", "mfa"])

    token = verifier.verify(signed(claims, KEY, "k1"))

    assert token.subject == claims["sub"]
    assert token.session_id == claims["sid"]
    assert token.amr == ("pwd", "otp", "mfa")
    assert token.used_a_second_factor


def test_a_password_only_token_used_no_second_factor(verifier):
    assert not verifier.verify(signed(access_claims(), KEY, "k1")).used_a_second_factor


def test_the_media_type_may_be_written_in_full(verifier):
    # RFC 7515 section 4.1.9: "application/at+jwt" and "at+jwt" name the same type.
    assert verifier.verify(signed(access_claims(), KEY, "k1", typ="application/AT+JWT"))


def test_a_token_expired_within_the_leeway_still_verifies(verifier):
    assert verifier.verify(signed(access_claims(exp=int(time.time()) - 10), KEY, "k1"))


def _without(claim: str) -> dict[str, object]:
    claims = access_claims()
    del claims[claim]
    return claims


REFUSED = {
    "expired beyond the leeway": signed(access_claims(exp=int(time.time()) - 60), KEY, "k1"),
    "issued in the future": signed(access_claims(iat=int(time.time()) + 600), KEY, "k1"),
    "another issuer": signed(access_claims(iss="evil"), KEY, "k1"),
    "another audience": signed(access_claims(aud="other-api"), KEY, "k1"),
    "a refresh token": signed(access_claims(type="refresh"), KEY, "k1", typ="rt+jwt"),
    "typed at+jwt, claiming refresh": signed(access_claims(type="refresh"), KEY, "k1"),
    "typed plain JWT": signed(access_claims(), KEY, "k1", typ="JWT"),
    "signed by another key": signed(access_claims(), OTHER_KEY, "k1"),
    "an unknown kid": signed(access_claims(), OTHER_KEY, "k2"),
    "HS256 keyed with the public key": hmac_with_the_public_key(access_claims(), JWK),
    "alg none": unsigned(access_claims(), "k1"),
    "amr not a list": signed(access_claims(amr="mfa"), KEY, "k1"),
    "not a JWT": "not.a.jwt",
    "a JWE (five parts)": "a.b.c.d.e",
    "over 8 KiB": signed(access_claims(padding="x" * 8192), KEY, "k1"),
    **{
        f"no {claim}": signed(_without(claim), KEY, "k1")
        for claim in ("iss", "aud", "sub", "iat", "exp", "jti", "type", "sid", "cv", "amr")
    },
}


@pytest.mark.parametrize("token", REFUSED.values(), ids=REFUSED.keys())
def test_every_flawed_token_is_refused(verifier, token):
    with pytest.raises(InvalidAccessToken):
        verifier.verify(token)


def test_a_tampered_payload_is_refused(verifier):
    header, _, signature = signed(access_claims(), KEY, "k1").split(".")
    other_payload = signed(access_claims(amr=["pwd", "otp", "mfa"]), KEY, "k1").split(".")[1]

    with pytest.raises(InvalidAccessToken):
        verifier.verify(f"{header}.{other_payload}.{signature}")


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS256", "typ": "at+jwt", "kid": "k1"},
        {"alg": "none", "typ": "at+jwt", "kid": "k1"},
        {"alg": "EdDSA", "typ": "rt+jwt", "kid": "k1"},
        {"alg": "EdDSA", "typ": "at+jwt"},
        {"alg": "EdDSA", "typ": "at+jwt", "kid": 7},
    ],
    ids=["HS256", "none", "refresh type", "no kid", "kid not a string"],
)
def test_a_token_that_cannot_pass_costs_no_key_lookup(verifier, key_set, header):
    # The header is judged first, so such tokens never make the JWKS client fetch.
    _, payload, signature = signed(access_claims(), KEY, "k1").split(".")
    encoded_header = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()

    with pytest.raises(InvalidAccessToken):
        verifier.verify(f"{encoded_header}.{payload}.{signature}")
    assert key_set.lookups == 0


def test_a_key_set_that_cannot_be_fetched_is_not_a_refused_token():
    def unreachable(kid: str) -> PyJWK:
        raise PyJWKClientConnectionError("Fail to fetch data from the url")

    verifier = AccessTokenVerifier(unreachable, ISSUER, AUDIENCE)

    with pytest.raises(KeySetUnavailable):
        verifier.verify(signed(access_claims(), KEY, "k1"))
