from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from litestar.datastructures import Cookie

from application.ports import Clock

SECURE_NAME = "__Secure-refresh_token"
PLAIN_NAME = "refresh_token"
# Scoped to /auth so the long-lived token travels only to the endpoints that use it (docs/api.md).
COOKIE_PATH = "/auth"


# A compact JWE: base64url segments joined by dots, characters no cookie value needs quoted.
_TOKEN = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass
class TokenCookie(Cookie):
    """Litestar's Cookie whose Set-Cookie header is put together directly for a token value.

    Litestar serializes every cookie through a deep `dataclasses.asdict` and
    `http.cookies.SimpleCookie`, about 26 µs per response, a few percent of a refresh
    (docs/performance.md). For the attributes the refresh cookie uses and a value of token
    characters, the header here is byte for byte Litestar's (a test compares the two);
    anything else (the empty value that clears the cookie) goes through Litestar.
    """

    def to_encoded_header(self) -> tuple[bytes, bytes]:
        value = self.value
        if (
            value is None
            or not _TOKEN.fullmatch(value)
            or self.domain is not None
            or self.expires is not None
            or self.max_age is None
            or self.path is None
            or not self.httponly
            or self.samesite.lower() != "strict"
        ):
            return super().to_encoded_header()
        secure = "; Secure" if self.secure else ""
        header = (
            f"{self.key}={value}; HttpOnly; Max-Age={self.max_age}; Path={self.path}"
            f"; SameSite=Strict{secure}"
        )
        return b"set-cookie", header.encode("latin-1")


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
        return TokenCookie(
            key=self.name,
            value=value,
            max_age=max_age,
            path=COOKIE_PATH,
            secure=self._secure,
            httponly=True,
            # The contract spells it "Strict"; Litestar passes the value through unchanged.
            samesite="Strict",  # type: ignore[arg-type]
        )
