"""Another JOSE library, given the derived keys, reads our tokens and writes ones we accept."""

from joserfc import jwe, jwt
from joserfc.jwk import OctKey

from domain.auth_methods import PASSKEY
from domain.tokens import TokenType
from tests.integration.tokens.builders import (
    AUDIENCE,
    ISSUER,
    KEY_A,
    a_codec,
    a_payload,
    some_claims,
)

ENCRYPTION_KEY = OctKey.import_key(KEY_A.jwe_key)
SIGNING_KEY = OctKey.import_key(KEY_A.jws_key)


def test_joserfc_decrypts_and_verifies_a_token_of_ours() -> None:
    claims = some_claims(type=TokenType.REFRESH)
    token = a_codec().encode(claims)

    envelope = jwe.decrypt_compact(token, ENCRYPTION_KEY, algorithms=["dir", "A256GCM"])
    inner = jwt.decode(envelope.plaintext, SIGNING_KEY, algorithms=["HS256"])
    jwt.JWTClaimsRegistry(
        now=int(claims.issued_at.timestamp()),
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": AUDIENCE},
    ).validate(inner.claims)

    assert envelope.protected == {"alg": "dir", "enc": "A256GCM", "kid": "a", "cty": "JWT"}
    assert inner.header == {"alg": "HS256", "typ": "rt+jwt", "kid": "a"}
    assert inner.claims == {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(claims.subject),
        "iat": int(claims.issued_at.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
        "jti": claims.token_id,
        "type": "refresh",
        "sid": str(claims.session_id),
    }


def test_a_token_made_entirely_by_joserfc_is_accepted() -> None:
    inner = jwt.encode(
        {"alg": "HS256", "typ": "at+jwt", "kid": "a"},
        a_payload("access", jti="minted-by-joserfc"),
        SIGNING_KEY,
        algorithms=["HS256"],
    )
    token = jwe.encrypt_compact(
        {"alg": "dir", "enc": "A256GCM", "kid": "a", "cty": "JWT"},
        inner.encode("ascii"),
        ENCRYPTION_KEY,
        algorithms=["dir", "A256GCM"],
    )

    claims = a_codec().decode(token, TokenType.ACCESS)

    assert claims.token_id == "minted-by-joserfc"
    assert claims.type is TokenType.ACCESS


def test_an_access_token_tells_another_library_its_cv_and_amr() -> None:
    token = a_codec().encode(some_claims(credentials_version=4, amr=PASSKEY))

    envelope = jwe.decrypt_compact(token, ENCRYPTION_KEY, algorithms=["dir", "A256GCM"])
    inner = jwt.decode(envelope.plaintext, SIGNING_KEY, algorithms=["HS256"])

    assert inner.header["typ"] == "at+jwt"
    assert inner.claims["cv"] == 4
    assert inner.claims["amr"] == ["hwk", "user", "mfa"]
