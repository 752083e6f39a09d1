"""The first step of a sign-in with a second factor: a right password earns an `mfa_token`."""

from __future__ import annotations

from datetime import timedelta

from application.link_ports import LinkTokens
from application.mfa.check import enabled_totp
from application.ports import Clock, UnitOfWork
from domain.errors import MfaRequired
from domain.one_time_link import link_token_hash
from domain.second_factor import MfaChallenge
from domain.user import User

SECOND_FACTOR_METHODS = ("totp", "recovery_code")


class MfaChallenges:
    """Starts the challenge of an account with TOTP; an account without it needs none.

    The token is 256 random bits (the link tokens' source), stored only as its SHA-256, and
    lives `ttl`; it holds the credentials version the password was checked with, so a password
    change or reset kills it.
    """

    def __init__(self, tokens: LinkTokens, clock: Clock, ttl: timedelta) -> None:
        self._tokens = tokens
        self._clock = clock
        self._ttl = ttl

    async def start_if_enabled(self, uow: UnitOfWork, user: User) -> MfaRequired | None:
        """The `mfa-required` answer for `user`, whose password was just checked, with its
        challenge added to the caller's unit of work (the caller commits); None when the account
        has no confirmed TOTP."""
        if await enabled_totp(uow.second_factors, user.id) is None:
            return None
        token = self._tokens.new_link_token()
        now = self._clock.now()
        challenge = MfaChallenge(
            token_hash=link_token_hash(token),
            user_id=user.id,
            credentials_version=user.credentials_version,
            created_at=now,
            expires_at=now + self._ttl,
        )
        await uow.mfa_challenges.add(challenge)
        return MfaRequired(token, SECOND_FACTOR_METHODS, int(self._ttl.total_seconds()))
