"""The JWE envelope, sealed by hand around a valid inner JWT, so only the envelope is at fault."""

import base64
import json

import pytest

from adapters.tokens.jose import AesGcmJwe, b64url
from domain.errors import InvalidToken
from domain.tokens import TokenType
from tests.integration.tokens.builders import (
    ENVELOPE_HEADER,
    KEY_A,
    RING,
    a_codec,
    a_payload,
    seal,
    sign,
)

INNER = sign(a_payload())


def decode(token: str) -> object:
    return a_codec().decode(token, TokenType.ACCESS)


def lenient_b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def test_a_hand_sealed_token_is_accepted() -> None:
    assert decode(seal(INNER)) is not None


def test_a_header_in_another_member_order_and_spacing_is_accepted() -> None:
    header = b'{ "kid" : "a", "cty": "JWT", "enc": "A256GCM", "alg": "dir" }'

    assert decode(seal(INNER, header=header)) is not None


@pytest.mark.parametrize(
    "header",
    [
        {**ENVELOPE_HEADER, "kid": "a", "alg": "A256KW"},
        {**ENVELOPE_HEADER, "kid": "a", "alg": "none"},
        {**ENVELOPE_HEADER, "kid": "a", "enc": "A128GCM"},
        {**ENVELOPE_HEADER, "kid": "a", "enc": "A256CBC-HS512"},
        {**ENVELOPE_HEADER, "kid": "a", "crit": ["exp"]},
        {**ENVELOPE_HEADER, "kid": "a", "zip": "DEF"},
        {**ENVELOPE_HEADER, "kid": "unknown"},
        {**ENVELOPE_HEADER, "kid": ["a"]},
        {**ENVELOPE_HEADER, "kid": {"a": 1}},
        {**ENVELOPE_HEADER, "kid": None},
        ENVELOPE_HEADER,
    ],
    ids=[
        "alg",
        "alg-none",
        "enc-128",
        "enc-cbc",
        "crit",
        "zip",
        "kid",
        "kid-list",
        "kid-object",
        "kid-null",
        "no-kid",
    ],
)
def test_an_envelope_header_outside_the_format_is_refused(header: dict[str, object]) -> None:
    with pytest.raises(InvalidToken):
        decode(seal(INNER, header=header))


@pytest.mark.parametrize(
    "raw_header",
    [
        b'{"alg":"dir","enc":"A256GCM","kid":"a","kid":"a"}',
        b'["alg","dir"]',
        b'"dir"',
        b"not json",
        b'{"alg":"dir","enc":"A256GCM","kid":"a"',
        b"\xff\xfe{}",
        '{"alg":"dir","enc":"A256GCM","kid":"a"}'.encode("utf-16"),
        b"[" * 5000,
        b'{"a":' * 5000,
    ],
    ids=[
        "duplicate",
        "array",
        "string",
        "text",
        "truncated",
        "bad-utf8",
        "utf16",
        "deep-array",
        "deep-object",
    ],
)
def test_an_envelope_header_that_is_not_a_plain_json_object_is_refused(raw_header: bytes) -> None:
    token = seal(INNER, header=raw_header)

    with pytest.raises(InvalidToken):
        decode(token)
    with pytest.raises(InvalidToken):  # by the envelope itself, not only the codec's safety net
        AesGcmJwe(RING).decrypt(token)


def test_a_non_empty_encrypted_key_is_refused() -> None:
    with pytest.raises(InvalidToken):
        decode(seal(INNER, encrypted_key=b"\x00" * 32))


@pytest.mark.parametrize("iv_length", [8, 11, 13, 16])
def test_an_iv_of_other_than_96_bits_is_refused(iv_length: int) -> None:
    # AES-GCM itself accepts these lengths, so the envelope has to refuse them.
    with pytest.raises(InvalidToken):
        decode(seal(INNER, iv=b"\x01" * iv_length))


def test_an_empty_iv_is_refused() -> None:
    segments = seal(INNER).split(".")
    segments[2] = ""

    with pytest.raises(InvalidToken):
        decode(".".join(segments))


@pytest.mark.parametrize("tag_length", [0, 4, 12, 15])
def test_a_tag_shorter_than_128_bits_is_refused(tag_length: int) -> None:
    token = seal(INNER)
    *rest, tag = token.split(".")
    short = ".".join([*rest, b64url(lenient_b64decode(tag)[:tag_length])])

    with pytest.raises(InvalidToken):
        decode(short)


def test_moving_tag_bytes_into_the_ciphertext_is_refused() -> None:
    # Ciphertext and tag concatenated are unchanged, so AES-GCM alone would accept this token;
    # only insisting on a 16-byte tag (RFC 7518 section 5.3) refuses it.
    *rest, ciphertext, tag = seal(INNER).split(".")
    raw_ciphertext, raw_tag = lenient_b64decode(ciphertext), lenient_b64decode(tag)
    shifted = [b64url(raw_ciphertext + raw_tag[:1]), b64url(raw_tag[1:])]

    with pytest.raises(InvalidToken):
        decode(".".join([*rest, *shifted]))


@pytest.mark.parametrize("count", [3, 4, 6, 7])
def test_any_segment_count_but_five_is_refused(count: int) -> None:
    segments = seal(INNER).split(".")
    changed = segments[:count] if count < 5 else segments + [""] * (count - 5)

    with pytest.raises(InvalidToken):
        decode(".".join(changed))


@pytest.mark.parametrize("segment", [0, 2, 3, 4])
@pytest.mark.parametrize("damage", ["padding", "plus", "slash", "space", "non-ascii"])
def test_a_segment_that_is_not_strict_base64url_is_refused(segment: int, damage: str) -> None:
    segments = seal(INNER).split(".")
    text = segments[segment]
    segments[segment] = {
        "padding": text + "=" * (-len(text) % 4 or 4),
        "plus": text[:4] + "+" + text[5:],
        "slash": text[:4] + "/" + text[5:],
        "space": text[:4] + " " + text[4:],
        "non-ascii": text[:4] + "é" + text[5:],
    }[damage]

    with pytest.raises(InvalidToken):
        decode(".".join(segments))


def test_non_canonical_trailing_bits_are_refused() -> None:
    # A 16-byte tag takes 22 characters whose last 4 bits are unused: flipping one of them
    # gives other text that a lenient decoder maps onto the very same tag.
    token = seal(INNER)
    *rest, tag = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(tag[-1])
    altered_tag = tag[:-1] + alphabet[last ^ 0b0001]
    assert lenient_b64decode(altered_tag) == lenient_b64decode(tag)

    with pytest.raises(InvalidToken):
        decode(".".join([*rest, altered_tag]))


def test_a_header_changed_after_sealing_is_refused() -> None:
    token = seal(INNER)
    protected, *rest = token.split(".")
    header = json.loads(lenient_b64decode(protected))
    changed = b64url(json.dumps({**header, "x": 1}).encode())

    with pytest.raises(InvalidToken):
        decode(".".join([changed, *rest]))


def test_a_token_sealed_under_another_key_but_naming_ours_is_refused() -> None:
    other = type(KEY_A)(kid="a", jwe_key=b"\x07" * 32, jws_key=KEY_A.jws_key)

    with pytest.raises(InvalidToken):
        decode(seal(INNER, key=other))
