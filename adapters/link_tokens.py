"""Link tokens from the operating system's CSPRNG."""

from __future__ import annotations

import secrets

from application.link_ports import LinkTokens
from domain.one_time_link import MIN_TOKEN_BYTES


class RandomLinkTokens(LinkTokens):
    """`secrets.token_urlsafe`: 256 random bits (MIN_TOKEN_BYTES) as 43 URL-safe characters."""

    def new_link_token(self) -> str:
        return secrets.token_urlsafe(MIN_TOKEN_BYTES)
