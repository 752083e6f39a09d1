from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from litestar.datastructures import Cookie

from application.ports import Clock

SECURE_NAME = "__Secure-refresh_token"
PLAIN_NAME = "refresh_token"
# Scoped to /auth so the long-lived token travels only to the endpoints that use it (docs/api.md).
COOKIE_PATH = "/auth"


class RefreshCookie:
    """The refresh token's HttpOnly cookie: how it is set, cleared and read.

    `__Secure-` makes browsers refuse the cookie unless it came over HTTPS with `Secure`;
    `SameSite=Strict` keeps it off cross-site requests (with the CSRF header as a second line).
    """

    def __init__(self, clock: Clock, secure: bool = True) -> None:
        self._clock = clock
        self._secure = secure
        self.name = SECURE_NAME if secure else PLAIN_NAME

    def issue(self, refresh_token: str, expires_at: datetime) -> Cookie:
        max_age = max(0, int((expires_at - self._clock.now()).total_seconds()))
        return self._cookie(refresh_token, max_age)

    def clear(self) -> Cookie:
        return self._cookie("", 0)

    def read(self, cookies: Mapping[str, str]) -> str | None:
        return cookies.get(self.name) or None

    def _cookie(self, value: str, max_age: int) -> Cookie:
        return Cookie(
            key=self.name,
            value=value,
            max_age=max_age,
            path=COOKIE_PATH,
            secure=self._secure,
            httponly=True,
            # The contract spells it "Strict"; Litestar passes the value through unchanged.
            samesite="Strict",  # type: ignore[arg-type]
        )
