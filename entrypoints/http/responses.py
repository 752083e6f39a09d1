from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from litestar import Response

from application.results import AuthResult
from entrypoints.http.refresh_cookie import RefreshCookie
from entrypoints.http.schemas import TokenBody

UseCase = TypeVar("UseCase")

# RFC 6749 5.1: responses that carry tokens must not be stored by any cache.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenResponder:
    """Turns a signed-in result into the token response: JSON body plus the refresh cookie."""

    def __init__(self, cookie: RefreshCookie, access_ttl: timedelta) -> None:
        self.cookie = cookie
        self._expires_in = int(access_ttl.total_seconds())

    def tokens(self, result: AuthResult, status_code: int = 200) -> Response[TokenBody]:
        tokens = result.tokens
        return Response(
            TokenBody.of(result, self._expires_in),
            status_code=status_code,
            headers=NO_STORE,
            cookies=[self.cookie.issue(tokens.refresh_token, tokens.refresh_expires_at)],
        )


@dataclass(frozen=True, slots=True)
class WithResponder(Generic[UseCase]):
    """A use case and the token responder, injected together.

    The handlers that answer with tokens or clear the refresh cookie need both. As one
    dependency Litestar resolves them directly; as two it would resolve them as a batch in an
    anyio task group, ≈ 45 µs a request (docs/performance.md), on refresh the hottest of them.
    """

    use_case: UseCase
    responder: TokenResponder
