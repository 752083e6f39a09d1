from __future__ import annotations

from application.ports import TokenCodec
from application.results import Principal
from domain.errors import InvalidToken
from domain.tokens import TokenType


class Authenticate:
    """Turn a bearer token into the principal it speaks for. Only access tokens qualify."""

    def __init__(self, codec: TokenCodec) -> None:
        self._codec = codec

    def execute(self, access_token: str) -> Principal:
        """Raise InvalidToken for anything but a valid access token.

        Stateless: whether the token's credentials version is still the account's is checked
        where a use case loads the account (application/accounts.py)."""
        claims = self._codec.decode(access_token, TokenType.ACCESS)
        if claims.credentials_version is None:  # the codec requires `cv` of every access token
            raise InvalidToken("an access token without a credentials version")
        return Principal(
            user_id=claims.subject,
            session_id=claims.session_id,
            credentials_version=claims.credentials_version,
        )
