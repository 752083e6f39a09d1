from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.tokens import TokenPair
from domain.user import User


@dataclass(frozen=True, slots=True)
class AuthResult:
    """A signed-in user and the tokens of their session."""

    user: User
    tokens: TokenPair


@dataclass(frozen=True, slots=True)
class Principal:
    """Who an access token speaks for, from which session, and with which credentials version
    (`cv`): application/accounts.py `account_of` is where that version is checked."""

    user_id: UUID
    session_id: UUID
    credentials_version: int
