"""Token issue and parse, whole and in parts (the JWE envelope, the inner JWS)."""

from __future__ import annotations

from adapters.tokens.codec import JoseTokenCodec
from adapters.tokens.jose import AesGcmJwe, PyJwtSigner
from adapters.tokens.keys import SigningKeyRing, new_signing_key_entry
from domain.tokens import TokenType


def test_issue_access_token(benchmark, container, access_claims):
    codec = container.token_codec()

    benchmark(codec.encode, access_claims)


def test_issue_token_pair(benchmark, container, session):
    """What login, register and refresh each pay: an access and a refresh token."""
    issuer, (started, now) = container.token_issuer(), session

    benchmark(issuer.tokens_for, started, now)


def test_parse_access_token(benchmark, container, access_token):
    codec = container.token_codec()

    benchmark(codec.decode, access_token, TokenType.ACCESS)


def test_parse_part_jwe_decrypt(benchmark, container, access_token):
    jwe = AesGcmJwe(container.key_ring())

    benchmark(jwe.decrypt, access_token)


def test_parse_part_jws_verify(benchmark, container, access_token):
    settings = container.settings()
    key, plaintext = AesGcmJwe(container.key_ring()).decrypt(access_token)
    signer = PyJwtSigner(settings.issuer, settings.audience)

    benchmark(signer.verify, plaintext, key.kid, key.jws_key)


def test_parse_access_token_uncached(benchmark, container, access_token):
    """The parse on a miss of the verified-claims cache: the JOSE codec alone."""
    codec = container.jose_token_codec()

    benchmark(codec.decode, access_token, TokenType.ACCESS)


def test_parse_signed_access_token_uncached(benchmark, container, access_claims):
    """The parse of an EdDSA access token (AUTH_ACCESS_TOKEN_FORMAT=jws) on a cache miss."""
    settings = container.settings()
    signing_keys = SigningKeyRing.parse(new_signing_key_entry("bench"))
    codec = JoseTokenCodec(
        container.key_ring(),
        settings.issuer,
        settings.audience,
        container.clock(),
        signing_keys=signing_keys,
    )
    token = codec.encode(access_claims)

    benchmark(codec.decode, token, TokenType.ACCESS)
