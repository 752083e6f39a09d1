from __future__ import annotations

from datetime import timedelta

from litestar import Response

from adapters.http.refresh_cookie import RefreshCookie
from application.results import AuthResult
from entrypoints.http.schemas import TokenBody

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
