"""Access tokens under AUTH_ACCESS_TOKEN_FORMAT=jws: plain EdDSA JWS, verified with the signing
ring only (docs/api.md "Token format"); refresh tokens stay encrypted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.tokens.codec import MAX_TOKEN_LENGTH, CachingTokenCodec, JoseTokenCodec
from adapters.tokens.keys import SigningKeyRing, new_signing_key_entry
from domain.errors import InvalidToken
from domain.tokens import TokenType
from tests.fakes.security import FixedClock
from tests.integration.tokens.builders import (
    AUDIENCE,
    ISSUER,
    RING,
    a_payload,
    seal,
    sign,
    some_claims,
)

SIGNING = SigningKeyRing.parse(f"{new_signing_key_entry('s1')},{new_signing_key_entry('s2')}")
STRANGER = SigningKeyRing.parse(new_signing_key_entry("s1"))  # same kid, another key


def a_signing_codec(clock: FixedClock | None = None) -> JoseTokenCodec:
    return JoseTokenCodec(RING, ISSUER, AUDIENCE, clock or FixedClock(), signing_keys=SIGNING)


def signed(
    payload: dict[str, Any],
    private_key: Any = None,
    header: dict[str, Any] | None = None,
    algorithm: str = "EdDSA",
) -> str:
    """A JWS made by PyJWT with `header` (default: the one the codec writes for kid s1)."""
    if header is None:
        header = {"typ": "at+jwt", "kid": "s1"}
    key = SIGNING.current.private_key if private_key is None else private_key
    return jwt.encode(payload, key, algorithm=algorithm, headers=header)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_by_hand(payload: dict[str, Any], secret: bytes) -> str:
    """An HS256 JWS whose HMAC secret is `secret`, built without a library's key checks."""
    header = {"alg": "HS256", "typ": "at+jwt", "kid": "s1"}
    signing_input = ".".join(
        b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload)
    )
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def test_an_access_token_is_a_plain_eddsa_jws_any_holder_of_the_public_key_verifies() -> None:
    token = a_signing_codec().encode(some_claims())

    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "typ": "at+jwt", "kid": "s1"}
    payload = jwt.decode(
        token,
        SIGNING.current.public_key,
        algorithms=["EdDSA"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert payload["type"] == "access"
    assert (payload["cv"], payload["amr"]) == (3, ["pwd"])


def test_a_signed_access_token_decodes_to_the_claims_it_was_made_of() -> None:
    codec = a_signing_codec()
    claims = some_claims()

    assert codec.decode(codec.encode(claims), TokenType.ACCESS) == claims


def test_every_key_of_the_ring_verifies_but_only_the_first_signs() -> None:
    by_second = signed(a_payload(), SIGNING.get("s2").private_key, {"typ": "at+jwt", "kid": "s2"})

    assert a_signing_codec().decode(by_second, TokenType.ACCESS).token_id == "jti-1"


def test_refresh_tokens_stay_encrypted() -> None:
    codec = a_signing_codec()
    claims = some_claims(TokenType.REFRESH)

    token = codec.encode(claims)

    assert len(token.split(".")) == 5
    assert codec.decode(token, TokenType.REFRESH) == claims


def test_a_forged_signature_is_refused() -> None:
    head, body, signature = a_signing_codec().encode(some_claims()).split(".")
    forged = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]

    with pytest.raises(InvalidToken):
        a_signing_codec().decode(f"{head}.{body}.{forged}", TokenType.ACCESS)


def test_a_changed_claim_is_refused() -> None:
    head, _, signature = a_signing_codec().encode(some_claims()).split(".")
    body = b64url(json.dumps(a_payload(cv=99)).encode())

    with pytest.raises(InvalidToken):
        a_signing_codec().decode(f"{head}.{body}.{signature}", TokenType.ACCESS)


@pytest.mark.parametrize(
    ("private_key", "kid"),
    [
        (STRANGER.current.private_key, "s1"),  # a known kid, another key
        (SIGNING.get("s2").private_key, "s1"),  # our other key under the wrong kid
        (SIGNING.current.private_key, "s9"),  # our key under an unknown kid
        (SIGNING.current.private_key, None),
    ],
    ids=["stranger", "wrong-kid", "unknown-kid", "no-kid"],
)
def test_a_token_whose_kid_does_not_name_its_signing_key_is_refused(
    private_key: Ed25519PrivateKey, kid: str | None
) -> None:
    header = {"typ": "at+jwt", **({"kid": kid} if kid else {})}

    with pytest.raises(InvalidToken):
        a_signing_codec().decode(signed(a_payload(), private_key, header), TokenType.ACCESS)


@pytest.mark.parametrize(
    "secret",
    [
        SIGNING.current.public_key.public_bytes_raw(),
        SIGNING.current.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        SIGNING.current.jwk()["x"].encode(),
    ],
    ids=["raw", "pem", "jwk-x"],
)
def test_an_hs256_token_keyed_with_the_public_key_is_refused(secret: bytes) -> None:
    """Key confusion (RFC 8725 section 2.1): the public key is public, so an HMAC keyed with it
    would let anyone mint tokens; only EdDSA is ever tried."""
    with pytest.raises(InvalidToken):
        a_signing_codec().decode(hs256_by_hand(a_payload(), secret), TokenType.ACCESS)


def test_alg_none_is_refused() -> None:
    token = jwt.encode(a_payload(), None, algorithm="none", headers={"typ": "at+jwt", "kid": "s1"})

    with pytest.raises(InvalidToken):
        a_signing_codec().decode(token, TokenType.ACCESS)


def test_an_es256_token_is_refused() -> None:
    token = signed(a_payload(), ec.generate_private_key(ec.SECP256R1()), algorithm="ES256")

    with pytest.raises(InvalidToken):
        a_signing_codec().decode(token, TokenType.ACCESS)


def test_an_expired_token_is_refused_past_the_30_second_leeway() -> None:
    clock = FixedClock()
    codec = a_signing_codec(clock)
    token = codec.encode(some_claims(lifetime=timedelta(minutes=15)))

    clock.advance(minutes=15, seconds=29)
    codec.decode(token, TokenType.ACCESS)
    clock.advance(seconds=1)
    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS)


@pytest.mark.parametrize(
    "changes", [{"iss": "someone-else"}, {"aud": "another-api"}], ids=["iss", "aud"]
)
def test_another_issuer_or_audience_is_refused(changes: dict[str, str]) -> None:
    with pytest.raises(InvalidToken):
        a_signing_codec().decode(signed(a_payload(**changes)), TokenType.ACCESS)


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt"])
def test_the_access_typ_is_accepted_in_both_forms(typ: str) -> None:
    token = signed(a_payload(), header={"typ": typ, "kid": "s1"})

    assert a_signing_codec().decode(token, TokenType.ACCESS).type is TokenType.ACCESS


@pytest.mark.parametrize("typ", [None, "JWT", "rt+jwt"])
def test_a_missing_or_wrong_typ_is_refused(typ: str | None) -> None:
    header = {"kid": "s1", **({"typ": typ} if typ else {})}

    with pytest.raises(InvalidToken):
        a_signing_codec().decode(signed(a_payload(), header=header), TokenType.ACCESS)


def test_a_refresh_token_is_refused_as_an_access_token() -> None:
    codec = a_signing_codec()
    refresh = codec.encode(some_claims(TokenType.REFRESH))

    with pytest.raises(InvalidToken):
        codec.decode(refresh, TokenType.ACCESS)


def test_a_signed_token_typed_refresh_is_refused_as_an_access_token() -> None:
    token = signed(a_payload("refresh"), header={"typ": "rt+jwt", "kid": "s1"})

    with pytest.raises(InvalidToken):
        a_signing_codec().decode(token, TokenType.ACCESS)


def test_a_signed_access_token_is_refused_as_a_refresh_token() -> None:
    codec = a_signing_codec()

    with pytest.raises(InvalidToken):
        codec.decode(codec.encode(some_claims()), TokenType.REFRESH)


def test_an_encrypted_access_token_is_refused_once_access_tokens_are_signed() -> None:
    encrypted = seal(sign(a_payload()))

    with pytest.raises(InvalidToken):
        a_signing_codec().decode(encrypted, TokenType.ACCESS)


def test_a_validly_signed_token_over_8_kib_is_refused() -> None:
    token = signed(a_payload(padding="x" * MAX_TOKEN_LENGTH))
    assert len(token) > MAX_TOKEN_LENGTH

    with pytest.raises(InvalidToken):
        a_signing_codec().decode(token, TokenType.ACCESS)


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c", "e30.e30.", "not a token", "..."])
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        a_signing_codec().decode(token, TokenType.ACCESS)


def test_the_claims_cache_serves_signed_tokens_too() -> None:
    clock = FixedClock()
    codec = CachingTokenCodec(a_signing_codec(clock), clock)
    token = codec.encode(some_claims(lifetime=timedelta(minutes=1)))

    assert codec.decode(token, TokenType.ACCESS) == codec.decode(token, TokenType.ACCESS)
    clock.advance(minutes=1, seconds=30)
    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS)
