"""The inner JWT, built by hand with PyJWT and sealed correctly, so only the JWS is at fault."""

from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from adapters.tokens.jose import PyJwtSigner
from domain.auth_methods import PASSWORD_AND_CODE
from domain.errors import InvalidToken
from domain.tokens import TokenType
from tests.integration.tokens.builders import (
    AUDIENCE,
    ISSUER,
    KEY_A,
    KEY_B,
    a_codec,
    a_payload,
    seal,
    sign,
)

REQUIRED = ["iss", "aud", "sub", "iat", "exp", "jti", "type", "sid", "cv", "amr"]
"""Of an access token; a refresh token carries neither `cv` nor `amr`."""


def decode(token: str, expected: TokenType = TokenType.ACCESS) -> Any:
    return a_codec().decode(token, expected)


@pytest.mark.parametrize(
    ("type", "typ", "expected"),
    [
        ("access", "at+jwt", TokenType.ACCESS),
        ("refresh", "rt+jwt", TokenType.REFRESH),
        ("access", "application/at+jwt", TokenType.ACCESS),
        ("refresh", "application/rt+jwt", TokenType.REFRESH),
        ("access", "Application/AT+JWT", TokenType.ACCESS),
    ],
)
def test_a_hand_built_token_with_the_right_typ_is_accepted(
    type: str, typ: str, expected: TokenType
) -> None:
    token = seal(sign(a_payload(type), header={"typ": typ, "kid": "a"}))

    assert decode(token, expected).type is expected


@pytest.mark.parametrize(
    ("type", "header", "expected"),
    [
        ("access", {"kid": "a"}, TokenType.ACCESS),
        ("access", {"typ": "JWT", "kid": "a"}, TokenType.ACCESS),
        ("access", {"typ": "rt+jwt", "kid": "a"}, TokenType.ACCESS),
        ("refresh", {"typ": "at+jwt", "kid": "a"}, TokenType.REFRESH),
        ("access", {"typ": "text/at+jwt", "kid": "a"}, TokenType.ACCESS),
        ("access", {"typ": "application/at+jwt; x=1", "kid": "a"}, TokenType.ACCESS),
        ("access", {"typ": ["at+jwt"], "kid": "a"}, TokenType.ACCESS),
    ],
    ids=["missing", "JWT", "rt-for-access", "at-for-refresh", "text", "parameter", "list"],
)
def test_a_typ_that_is_missing_or_disagrees_with_the_type_claim_is_refused(
    type: str, header: dict[str, Any], expected: TokenType
) -> None:
    token = seal(sign(a_payload(type), header=header))

    with pytest.raises(InvalidToken):
        decode(token, expected)


@pytest.mark.parametrize("type", ["id", "", ["access"], None])
def test_an_unknown_type_claim_is_refused(type: Any) -> None:
    payload = {**a_payload(), "type": type}
    token = seal(sign(payload, header={"typ": "at+jwt", "kid": "a"}))

    with pytest.raises(InvalidToken):
        decode(token)


def test_alg_none_is_refused() -> None:
    token = seal(sign(a_payload(), key=None, algorithm="none"))

    with pytest.raises(InvalidToken):
        decode(token)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_another_hmac_algorithm_is_refused(algorithm: str) -> None:
    token = seal(sign(a_payload(), algorithm=algorithm))

    with pytest.raises(InvalidToken):
        decode(token)


@pytest.mark.parametrize("claim", REQUIRED)
def test_a_token_missing_any_required_claim_is_refused(claim: str) -> None:
    token = seal(sign(a_payload(**{claim: None})))

    with pytest.raises(InvalidToken):
        decode(token)


@pytest.mark.parametrize(
    "changes",
    [
        {"sub": "not-a-uuid"},
        {"sid": 7},
        {"jti": ""},
        {"jti": 12},
        {"exp": "soon"},
        {"exp": 1.5e9},
        {"exp": True},
        {"iat": True},
        {"iat": 1.7e9},
        {"exp": 10**30},
        {"iat": -(10**30)},
        {"aud": ["other"]},
        {"aud": ["hexauth-api", 7]},
        {"aud": {"hexauth-api": 1}},
        {"iss": ["hexauth"]},
        {"nbf": 2**40},
        {"cv": "3"},
        {"cv": True},
        {"cv": -1},
        {"cv": 3.0},
        {"amr": []},
        {"amr": "pwd"},
        {"amr": ["password"]},
        {"amr": [1]},
        {"amr": {"pwd": 1}},
    ],
    ids=str,
)
def test_a_malformed_claim_is_refused(changes: dict[str, Any]) -> None:
    token = seal(sign(a_payload(**changes)))

    with pytest.raises(InvalidToken):
        decode(token)


def test_an_audience_list_that_holds_ours_is_accepted() -> None:
    token = seal(sign(a_payload(aud=["other", "hexauth-api"])))

    assert decode(token).token_id == "jti-1"


@pytest.mark.parametrize("claim", REQUIRED)
def test_a_required_claim_given_as_null_is_refused(claim: str) -> None:
    token = seal(sign({**a_payload(), claim: None}))

    with pytest.raises(InvalidToken):
        decode(token)


def test_the_inner_jws_is_what_pyjwt_itself_would_sign() -> None:
    """The codec signs through PyJWT's JWS layer with claims it serializes itself; the result
    must be byte for byte PyJWT's own JWT, so the format (docs/api.md) is unchanged."""
    payload = a_payload()
    signer = PyJwtSigner(ISSUER, AUDIENCE)

    ours = signer.sign(payload, "a", KEY_A.jws_key)

    headers = {"typ": "at+jwt", "kid": "a"}
    assert ours == jwt.encode(payload, KEY_A.jws_key, algorithm="HS256", headers=headers)
    assert signer.verify(ours, "a", KEY_A.jws_key) == payload


def test_an_asymmetric_key_is_still_refused_as_an_hmac_secret() -> None:
    public_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signer = PyJwtSigner(ISSUER, AUDIENCE)

    for _ in range(2):  # vetted on every use until a key passes, not only the first
        with pytest.raises(jwt.InvalidKeyError):
            signer.sign(a_payload(), "a", public_pem)


def test_a_missing_jws_kid_is_refused() -> None:
    token = seal(sign(a_payload(), header={"typ": "at+jwt"}))

    with pytest.raises(InvalidToken):
        decode(token)


def test_a_jws_signed_under_another_kid_than_the_envelope_is_refused() -> None:
    token = seal(sign(a_payload(), key=KEY_B, header={"typ": "at+jwt", "kid": "b"}), key=KEY_A)

    with pytest.raises(InvalidToken):
        decode(token)


def test_a_jws_naming_another_kid_than_the_envelope_is_refused() -> None:
    token = seal(sign(a_payload(), key=KEY_A, header={"typ": "at+jwt", "kid": "b"}), key=KEY_A)

    with pytest.raises(InvalidToken):
        decode(token)


def test_a_jws_signed_with_the_envelope_key_instead_of_the_signing_key_is_refused() -> None:
    key_confusion = type(KEY_A)(kid="a", jwe_key=KEY_A.jwe_key, jws_key=KEY_A.jwe_key)
    token = seal(sign(a_payload(), key=key_confusion))

    with pytest.raises(InvalidToken):
        decode(token)


def test_an_unknown_critical_jws_header_is_refused() -> None:
    token = seal(sign(a_payload(), header={"typ": "at+jwt", "kid": "a", "crit": ["exp"]}))

    with pytest.raises(InvalidToken):
        decode(token)


@pytest.mark.parametrize("plaintext", ["", "not a jws", "a.b.c", "e30.e30.", "W10.W10.AAAA"])
def test_a_sealed_plaintext_that_is_no_jws_is_refused(plaintext: str) -> None:
    with pytest.raises(InvalidToken):
        decode(seal(plaintext))


def test_an_access_tokens_cv_and_amr_are_read_as_written() -> None:
    token = seal(sign(a_payload(cv=7, amr=["pwd", "otp", "mfa"])))

    claims = decode(token)

    assert claims.credentials_version == 7
    assert claims.amr == PASSWORD_AND_CODE


def test_a_refresh_token_needs_neither_cv_nor_amr() -> None:
    claims = decode(seal(sign(a_payload("refresh"))), TokenType.REFRESH)

    assert (claims.credentials_version, claims.amr) == (None, ())
