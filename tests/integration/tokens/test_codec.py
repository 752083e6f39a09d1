import base64
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.tokens.codec import JoseTokenCodec
from adapters.tokens.keys import KeyRing
from domain.auth_methods import PASSKEY, PASSWORD_AND_CODE, PASSWORD_ONLY, AuthMethods
from domain.errors import InvalidToken
from domain.tokens import TokenType
from tests.fakes.security import FixedClock
from tests.integration.tokens.builders import (
    AUDIENCE,
    ISSUER,
    RING,
    SECRET_A,
    SECRET_B,
    a_codec,
    a_payload,
    seal,
    sign,
    some_claims,
)


def decoded_segment(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def inner_jws(token: str) -> str:
    """The signed JWT inside one of our tokens, decrypted with the current key."""
    protected, _, iv, ciphertext, tag = token.split(".")
    return RING.current.aead.decrypt(
        decoded_segment(iv), decoded_segment(ciphertext) + decoded_segment(tag), protected.encode()
    ).decode()


def inner_payload(token: str) -> dict[str, object]:
    payload: dict[str, object] = json.loads(decoded_segment(inner_jws(token).split(".")[1]))
    return payload


@pytest.mark.parametrize("type", list(TokenType))
def test_a_token_round_trips_to_the_same_claims(type: TokenType) -> None:
    codec = a_codec()
    claims = some_claims(type=type)

    assert codec.decode(codec.encode(claims), type) == claims


@pytest.mark.parametrize("amr", [PASSWORD_ONLY, PASSWORD_AND_CODE, PASSKEY], ids=" ".join)
def test_an_access_tokens_credentials_version_and_amr_round_trip(amr: AuthMethods) -> None:
    codec = a_codec()
    claims = some_claims(credentials_version=12, amr=amr)

    decoded = codec.decode(codec.encode(claims), TokenType.ACCESS)

    assert (decoded.credentials_version, decoded.amr) == (12, amr)


@pytest.mark.parametrize("claim", ["cv", "amr"])
def test_an_access_token_without_cv_or_amr_is_refused(claim: str) -> None:
    # Signed and sealed with the service's own keys: only the missing claim is at fault.
    token = seal(sign(a_payload(**{claim: None})))

    with pytest.raises(InvalidToken):
        a_codec().decode(token, TokenType.ACCESS)


def test_a_refresh_token_carries_no_cv_or_amr() -> None:
    token = a_codec().encode(some_claims(type=TokenType.REFRESH))

    assert not {"cv", "amr"} & set(inner_payload(token))


def test_times_come_back_as_aware_utc_whole_seconds() -> None:
    codec = a_codec()
    claims = some_claims(issued_at=FixedClock().now() + timedelta(microseconds=900_000))

    decoded = codec.decode(codec.encode(claims), TokenType.ACCESS)

    assert decoded.issued_at == FixedClock().now()
    assert decoded.issued_at.utcoffset() == timedelta(0)
    assert decoded.expires_at == FixedClock().now() + timedelta(minutes=15)


def test_a_naive_time_is_refused_when_encoding() -> None:
    claims = some_claims(issued_at=FixedClock().now().replace(tzinfo=None))

    with pytest.raises(ValueError, match="timezone-aware"):
        a_codec().encode(claims)


@pytest.mark.parametrize(
    ("made_as", "presented_as"),
    [(TokenType.ACCESS, TokenType.REFRESH), (TokenType.REFRESH, TokenType.ACCESS)],
)
def test_a_token_of_one_type_is_refused_as_the_other(
    made_as: TokenType, presented_as: TokenType
) -> None:
    codec = a_codec()
    token = codec.encode(some_claims(type=made_as))

    with pytest.raises(InvalidToken):
        codec.decode(token, presented_as)


def test_the_envelope_header_is_exactly_the_one_api_md_gives() -> None:
    token = a_codec().encode(some_claims())
    protected, encrypted_key, iv, _, tag = token.split(".")

    assert decoded_segment(protected) == b'{"alg":"dir","enc":"A256GCM","kid":"a","cty":"JWT"}'
    assert encrypted_key == ""
    assert len(decoded_segment(iv)) == 12
    assert len(decoded_segment(tag)) == 16


@pytest.mark.parametrize(
    ("type", "typ"), [(TokenType.ACCESS, "at+jwt"), (TokenType.REFRESH, "rt+jwt")]
)
def test_the_inner_jws_header_is_typed_and_names_the_kid(type: TokenType, typ: str) -> None:
    token = a_codec().encode(some_claims(type=type))
    header = json.loads(decoded_segment(inner_jws(token).split(".")[0]))

    assert header == {"alg": "HS256", "typ": typ, "kid": "a"}


def test_every_token_gets_a_fresh_iv() -> None:
    codec = a_codec()
    claims = some_claims()

    ivs = {codec.encode(claims).split(".")[2] for _ in range(50)}

    assert len(ivs) == 50


def test_a_token_within_the_leeway_after_expiry_is_accepted() -> None:
    clock = FixedClock()
    codec = a_codec(clock=clock)
    claims = some_claims(issued_at=clock.now())
    token = codec.encode(claims)

    clock.current = claims.expires_at + timedelta(seconds=29)

    assert codec.decode(token, TokenType.ACCESS) == claims


@pytest.mark.parametrize(
    "past_expiry", [timedelta(seconds=30), timedelta(seconds=31), timedelta(days=1)]
)
def test_a_token_past_expiry_and_leeway_is_refused(past_expiry: timedelta) -> None:
    clock = FixedClock()
    codec = a_codec(clock=clock)
    claims = some_claims(issued_at=clock.now())
    token = codec.encode(claims)

    clock.current = claims.expires_at + past_expiry

    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS)


def test_a_smaller_leeway_is_honoured() -> None:
    clock = FixedClock()
    codec = JoseTokenCodec(RING, ISSUER, AUDIENCE, clock, leeway=timedelta(0))
    claims = some_claims(issued_at=clock.now())
    token = codec.encode(claims)

    clock.current = claims.expires_at

    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS)


@pytest.mark.parametrize("leeway", [timedelta(seconds=31), timedelta(seconds=-1)])
def test_a_leeway_outside_zero_to_thirty_seconds_is_refused(leeway: timedelta) -> None:
    with pytest.raises(ValueError, match="leeway"):
        JoseTokenCodec(RING, ISSUER, AUDIENCE, FixedClock(), leeway=leeway)


def test_a_token_issued_in_the_future_is_refused() -> None:
    clock = FixedClock()
    codec = a_codec(clock=clock)
    token = codec.encode(some_claims(issued_at=clock.now() + timedelta(minutes=5)))

    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS)


def test_a_token_issued_within_the_leeway_ahead_is_accepted() -> None:
    clock = FixedClock()
    codec = a_codec(clock=clock)
    claims = some_claims(issued_at=clock.now() + timedelta(seconds=30))

    assert codec.decode(codec.encode(claims), TokenType.ACCESS) == claims


@pytest.mark.parametrize(
    "reader", [{"issuer": "someone-else"}, {"audience": "another-api"}], ids=["iss", "aud"]
)
def test_a_token_for_another_issuer_or_audience_is_refused(reader: dict[str, str]) -> None:
    token = a_codec().encode(some_claims())

    with pytest.raises(InvalidToken):
        a_codec(**reader).decode(token, TokenType.ACCESS)


def test_a_token_under_an_unknown_kid_is_refused() -> None:
    token = a_codec(KeyRing.parse(f"a:{SECRET_A}")).encode(some_claims())

    with pytest.raises(InvalidToken):
        a_codec(KeyRing.parse(f"b:{SECRET_B}")).decode(token, TokenType.ACCESS)


def test_a_token_under_the_same_kid_but_another_secret_is_refused() -> None:
    token = a_codec(KeyRing.parse(f"a:{SECRET_A}")).encode(some_claims())

    with pytest.raises(InvalidToken):
        a_codec(KeyRing.parse(f"a:{SECRET_B}")).decode(token, TokenType.ACCESS)


def test_keys_rotate_without_refusing_tokens_made_under_the_old_key() -> None:
    old_ring = KeyRing.parse(f"old:{SECRET_A}")
    rotated_ring = KeyRing.parse(f"new:{SECRET_B},old:{SECRET_A}")
    claims = some_claims()
    old_token = a_codec(old_ring).encode(claims)

    assert a_codec(rotated_ring).decode(old_token, TokenType.ACCESS) == claims
    with pytest.raises(InvalidToken):
        a_codec(KeyRing.parse(f"new:{SECRET_B}")).decode(old_token, TokenType.ACCESS)


def test_new_tokens_are_made_under_the_first_kid() -> None:
    rotated_ring = KeyRing.parse(f"new:{SECRET_B},old:{SECRET_A}")
    token = a_codec(rotated_ring).encode(some_claims())

    assert json.loads(decoded_segment(token.split(".")[0]))["kid"] == "new"
    assert a_codec(KeyRing.parse(f"new:{SECRET_B}")).decode(token, TokenType.ACCESS)
    with pytest.raises(InvalidToken):
        a_codec(KeyRing.parse(f"old:{SECRET_A}")).decode(token, TokenType.ACCESS)


class DecryptSpy:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: object) -> bytes:
        self.calls += 1
        raise AssertionError("AES-GCM was called")


@pytest.fixture
def decrypt_spy(monkeypatch: pytest.MonkeyPatch) -> DecryptSpy:
    spy = DecryptSpy()
    monkeypatch.setattr(AESGCM, "decrypt", spy)
    return spy


@pytest.mark.parametrize("length", [8193, 9 * 1024])
def test_a_token_over_8_kib_is_refused_before_any_crypto(
    decrypt_spy: DecryptSpy, length: int
) -> None:
    token = a_codec().encode(some_claims())
    header, key, iv, ciphertext, tag = token.split(".")
    padding = "A" * (length - len(token))
    oversized = ".".join((header, key, iv, ciphertext + padding, tag))

    with pytest.raises(InvalidToken):
        a_codec().decode(oversized, TokenType.ACCESS)

    assert decrypt_spy.calls == 0


def test_a_token_of_exactly_8_kib_still_reaches_the_crypto(decrypt_spy: DecryptSpy) -> None:
    token = a_codec().encode(some_claims())
    header, key, iv, ciphertext, tag = token.split(".")
    padding = "A" * (8192 - len(token))
    at_the_limit = ".".join((header, key, iv, ciphertext + padding, tag))

    with pytest.raises(AssertionError, match="AES-GCM was called"):
        a_codec().decode(at_the_limit, TokenType.ACCESS)

    assert decrypt_spy.calls == 1


@pytest.mark.parametrize("token", [None, b"bytes", 42, ["a.b.c.d.e"]])
def test_anything_but_a_string_is_refused(token: object) -> None:
    with pytest.raises(InvalidToken):
        a_codec().decode(token, TokenType.ACCESS)  # type: ignore[arg-type]
