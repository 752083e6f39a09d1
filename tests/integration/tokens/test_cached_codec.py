"""The access-token claims cache in front of the real codec: it may skip the crypto for a token
it verified before, and must refuse everything the real codec refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.tokens.codec import MAX_TOKEN_LENGTH, CachingTokenCodec
from application.ports import TokenCodec
from domain.errors import InvalidToken
from domain.tokens import Claims, TokenType
from tests.fakes.security import FixedClock
from tests.integration.tokens.builders import a_codec, segments_of, some_claims


class CountingCodec(TokenCodec):
    """The real codec, counting the decodes that reach it."""

    def __init__(self, inner: TokenCodec) -> None:
        self._inner = inner
        self.decodes = 0

    def encode(self, claims: Claims) -> str:
        return self._inner.encode(claims)

    def decode(self, token: str, expected: TokenType) -> Claims:
        self.decodes += 1
        return self._inner.decode(token, expected)


def a_cached_codec(
    clock: FixedClock | None = None, max_entries: int = 100
) -> tuple[CachingTokenCodec, CountingCodec, FixedClock]:
    clock = clock or FixedClock()
    inner = CountingCodec(a_codec(clock=clock))
    return CachingTokenCodec(inner, clock, max_entries=max_entries), inner, clock


def test_a_verified_access_token_seen_again_skips_the_real_codec() -> None:
    codec, inner, _ = a_cached_codec()
    claims = some_claims()
    token = codec.encode(claims)

    first = codec.decode(token, TokenType.ACCESS)
    second = codec.decode(token, TokenType.ACCESS)

    assert first == second == claims
    assert inner.decodes == 1


def test_a_cached_token_is_refused_once_it_expires() -> None:
    codec, inner, clock = a_cached_codec()
    token = codec.encode(some_claims(lifetime=timedelta(minutes=15)))
    codec.decode(token, TokenType.ACCESS)

    clock.advance(minutes=15, seconds=29)
    codec.decode(token, TokenType.ACCESS)  # within the 30 s leeway, like the real codec
    clock.advance(seconds=1)

    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS)
    assert inner.decodes == 1
    with pytest.raises(InvalidToken):  # and it stays refused, now by the real codec
        codec.decode(token, TokenType.ACCESS)
    assert inner.decodes == 2


def test_a_cached_token_is_refused_when_the_clock_goes_back_before_it_was_issued() -> None:
    codec, _, clock = a_cached_codec()
    token = codec.encode(some_claims())
    codec.decode(token, TokenType.ACCESS)

    clock.advance(seconds=-31)

    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.ACCESS)


def test_refresh_tokens_are_never_cached() -> None:
    codec, inner, _ = a_cached_codec()
    claims = some_claims(type=TokenType.REFRESH)
    token = codec.encode(claims)

    assert codec.decode(token, TokenType.REFRESH) == claims
    assert codec.decode(token, TokenType.REFRESH) == claims

    assert inner.decodes == 2


def test_a_cached_access_token_is_still_refused_as_a_refresh_token() -> None:
    codec, _, _ = a_cached_codec()
    token = codec.encode(some_claims(type=TokenType.ACCESS))
    codec.decode(token, TokenType.ACCESS)

    with pytest.raises(InvalidToken):
        codec.decode(token, TokenType.REFRESH)


def test_a_refresh_token_presented_as_an_access_token_is_refused_every_time() -> None:
    codec, inner, _ = a_cached_codec()
    token = codec.encode(some_claims(type=TokenType.REFRESH))

    for _ in range(2):
        with pytest.raises(InvalidToken):
            codec.decode(token, TokenType.ACCESS)

    assert inner.decodes == 2


def test_failures_are_not_cached() -> None:
    codec, inner, clock = a_cached_codec()
    token = codec.encode(some_claims(issued_at=clock.now() + timedelta(minutes=5)))

    with pytest.raises(InvalidToken):  # issued in the future, for now
        codec.decode(token, TokenType.ACCESS)
    clock.advance(minutes=5)

    assert codec.decode(token, TokenType.ACCESS).token_id == "jti-1"
    assert inner.decodes == 2


def test_the_bound_evicts_the_least_recently_used_token() -> None:
    codec, inner, _ = a_cached_codec(max_entries=2)
    oldest, middle, newest = (codec.encode(some_claims(jti=f"jti-{n}")) for n in range(3))
    for token in (oldest, middle):
        codec.decode(token, TokenType.ACCESS)
    codec.decode(oldest, TokenType.ACCESS)  # a hit: `middle` is now the least recently used
    codec.decode(newest, TokenType.ACCESS)
    assert inner.decodes == 3

    codec.decode(oldest, TokenType.ACCESS)
    codec.decode(newest, TokenType.ACCESS)
    assert inner.decodes == 3
    codec.decode(middle, TokenType.ACCESS)
    assert inner.decodes == 4


def test_a_tampered_copy_of_a_cached_token_is_verified_and_refused() -> None:
    codec, inner, _ = a_cached_codec()
    token = codec.encode(some_claims())
    codec.decode(token, TokenType.ACCESS)
    segments = segments_of(token)
    flipped = "A" if segments[3][0] != "A" else "B"
    tampered = ".".join([*segments[:3], flipped + segments[3][1:], segments[4]])

    with pytest.raises(InvalidToken):
        codec.decode(tampered, TokenType.ACCESS)
    assert inner.decodes == 2


def test_an_oversized_token_is_refused_before_the_cache_or_the_codec() -> None:
    codec, inner, _ = a_cached_codec()

    with pytest.raises(InvalidToken):
        codec.decode("a" * (MAX_TOKEN_LENGTH + 1), TokenType.ACCESS)
    assert inner.decodes == 0


def test_encoding_is_the_real_codecs() -> None:
    codec, _, clock = a_cached_codec()
    claims = some_claims()

    assert a_codec(clock=clock).decode(codec.encode(claims), TokenType.ACCESS) == claims


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        a_cached_codec(max_entries=0)
