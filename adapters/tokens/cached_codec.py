"""A bounded cache of verified access-token claims in front of the real codec."""

from __future__ import annotations

import threading
from datetime import timedelta

from cachetools import LRUCache

from adapters.tokens.codec import MAX_TOKEN_LENGTH
from adapters.tokens.jws import MAX_LEEWAY, check_times
from application.ports import Clock, TokenCodec
from domain.errors import InvalidToken
from domain.tokens import Claims, TokenType

DEFAULT_MAX_ENTRIES = 10_000


class CachingTokenCodec(TokenCodec):
    """`inner`, remembering the claims of the access tokens it verified (least recently used
    out first, at most `max_entries`), so a bearer token seen again skips decrypt and verify.

    Same contract as `inner`: `decode` raises InvalidToken for every token `inner` refuses now.
    """

    # Why a hit may skip the crypto: an access token is stateless (valid until `exp`, never
    # revoked; the account and `cv` checks stay in application/accounts.py, run on every
    # request with the claims a hit returns), and a hit is the exact string this
    # process already verified in full with the same keys. The key ring is read once per process,
    # so a key leaves AUTH_KEYS only with a restart, which empties the cache. Any other string,
    # a tampered copy included, is a miss and is verified in full; only successes are stored, so
    # a stranger cannot fill the cache without tokens signed by the service. Its times are still
    # judged on every hit, on the injected clock with the codec's leeway. Refresh tokens are never
    # cached: they are single-use and rotate, and pass straight through to `inner`.

    def __init__(
        self,
        inner: TokenCodec,
        clock: Clock,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        leeway: timedelta = MAX_LEEWAY,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._inner = inner
        self._clock = clock
        self._leeway = leeway
        self._verified: LRUCache[str, Claims] = LRUCache(maxsize=max_entries)
        # The event loop is the only caller in the server; cachetools' caches are not
        # thread-safe, so the lock keeps a lookup and an eviction apart should another
        # thread ever decode.
        self._lock = threading.Lock()

    def encode(self, claims: Claims) -> str:
        return self._inner.encode(claims)

    def decode(self, token: str, expected: TokenType) -> Claims:
        if expected is not TokenType.ACCESS:
            return self._inner.decode(token, expected)
        # docs/api.md: oversized tokens are refused before anything else, the cache lookup included.
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("malformed token")
        with self._lock:
            claims = self._verified.get(token)  # a hit counts as a use
        if claims is None:
            claims = self._inner.decode(token, expected)
            self._remember(token, claims)
            return claims
        self._check_times(token, claims)
        return claims

    def _remember(self, token: str, claims: Claims) -> None:
        with self._lock:
            self._verified[token] = claims  # evicts the least recently used past maxsize

    def _check_times(self, token: str, claims: Claims) -> None:
        # The very check PyJwtSigner makes on the token's times, so a cached token is refused
        # exactly when an uncached one would be; a refused token leaves the cache.
        try:
            check_times(
                self._clock.now(),
                issued_at=claims.issued_at,
                expires_at=claims.expires_at,
                leeway=self._leeway,
            )
        except InvalidToken:
            with self._lock:
                self._verified.pop(token, None)
            raise
