from __future__ import annotations

from application.ports import TokenCodec
from application.results import Principal
from domain.tokens import TokenType


class Authenticate:
    """Turn a bearer token into the principal it speaks for. Only access tokens qualify."""

    def __init__(self, codec: TokenCodec) -> None:
        self._codec = codec

    def execute(self, access_token: str) -> Principal:
        """Raise InvalidToken for anything but a valid access token."""
        claims = self._codec.decode(access_token, TokenType.ACCESS)
        return Principal(user_id=claims.subject, session_id=claims.session_id)
