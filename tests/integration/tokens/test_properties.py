"""Properties over many inputs: round trips hold, and nothing malformed escapes InvalidToken."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.auth_methods import AuthMethod
from domain.errors import InvalidToken
from domain.tokens import Claims, TokenType
from tests.fakes.security import FixedClock
from tests.integration.tokens.builders import a_codec, some_claims

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
TOKEN = a_codec().encode(some_claims())
CODEC = a_codec()

whole_seconds = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))


@st.composite
def any_claims(draw: st.DrawFn) -> Claims:
    issued_at = draw(whole_seconds)
    type = draw(st.sampled_from(TokenType))
    access = type is TokenType.ACCESS
    return Claims(
        subject=draw(st.uuids()),
        session_id=draw(st.uuids()),
        token_id=draw(st.text(min_size=1, max_size=200)),
        type=type,
        issued_at=issued_at,
        expires_at=issued_at + timedelta(seconds=draw(st.integers(1, 10**8))),
        credentials_version=draw(st.integers(0, 2**53)) if access else None,
        amr=draw(st.lists(st.sampled_from(AuthMethod), min_size=1).map(tuple)) if access else (),
    )


@settings(max_examples=200, deadline=None)
@given(claims=any_claims())
def test_any_claims_round_trip(claims: Claims) -> None:
    codec = a_codec(clock=FixedClock(claims.issued_at))

    assert codec.decode(codec.encode(claims), claims.type) == claims


@settings(max_examples=1000, deadline=None)
@given(
    position=st.integers(0, len(TOKEN) - 1),
    replacement=st.one_of(st.sampled_from(BASE64URL + ".="), st.characters()),
)
def test_changing_any_one_character_is_refused(position: int, replacement: str) -> None:
    changed = TOKEN[:position] + replacement + TOKEN[position + 1 :]
    if changed == TOKEN:
        return

    with pytest.raises(InvalidToken):
        CODEC.decode(changed, TokenType.ACCESS)


def test_flipping_the_lowest_bit_of_any_character_is_refused() -> None:
    # Exhaustive over positions: the smallest change there is, including the unused trailing
    # bits at the end of every segment, which only the canonical-encoding check catches.
    for position, character in enumerate(TOKEN):
        if character == ".":
            continue
        flipped = BASE64URL[BASE64URL.index(character) ^ 1]
        with pytest.raises(InvalidToken):
            CODEC.decode(TOKEN[:position] + flipped + TOKEN[position + 1 :], TokenType.ACCESS)


def test_the_unchanged_token_is_accepted() -> None:
    assert CODEC.decode(TOKEN, TokenType.ACCESS).token_id == "jti-1"


five_segments = st.lists(st.text(BASE64URL, max_size=40), min_size=5, max_size=5).map(".".join)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(max_size=300), five_segments, st.text(BASE64URL + ".", max_size=9000))
)
def test_arbitrary_text_raises_invalid_token_and_nothing_else(text: str) -> None:
    with pytest.raises(InvalidToken):
        CODEC.decode(text, TokenType.ACCESS)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=9000))
def test_arbitrary_bytes_read_as_latin1_raise_invalid_token_and_nothing_else(data: bytes) -> None:
    with pytest.raises(InvalidToken):
        CODEC.decode(data.decode("latin-1"), TokenType.REFRESH)
