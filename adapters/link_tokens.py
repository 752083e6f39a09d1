"""Link tokens from the operating system's CSPRNG."""

from __future__ import annotations

import secrets

from application.link_ports import LinkTokens

LINK_TOKEN_BYTES = 32  # 256 bits (docs/api.md "Account recovery and email verification")


class RandomLinkTokens(LinkTokens):
    """`secrets.token_urlsafe(32)`: 256 random bits as 43 URL-safe characters."""

    def new_link_token(self) -> str:
        return secrets.token_urlsafe(LINK_TOKEN_BYTES)
