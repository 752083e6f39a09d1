from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.mfa.check import SecondFactorCheck
from application.mfa.ports import SealingKeyMissing
from application.ports import Clock, StoreUnavailable, UnitOfWorkFactory
from application.results import AuthResult
from application.throttling import LoginThrottle, Reservation
from application.token_issuer import TokenIssuer
from domain.auth_methods import PASSWORD_AND_CODE
from domain.errors import (
    AccountDisabled,
    EmailUnverified,
    InvalidCredentials,
    InvalidMfaToken,
    TooManyAttempts,
)
from domain.one_time_link import link_token_hash
from domain.second_factor import MfaChallenge, SecondFactorAnswer, TotpFactor
from domain.user import User


@dataclass(frozen=True, slots=True)
class LoginWithCodeCommand:
    mfa_token: str
    second_factor: SecondFactorAnswer
    user_agent: str | None = None
    client_ip: str | None = None


class LoginWithCode:
    """The second step of a sign-in: the `mfa_token` login gave, and a TOTP or recovery code.

    Checks run in the contract's order (docs/api.md "Login with a second factor"): the throttles
    first, then the token, the code, and again whether the account may sign in. A wrong code
    counts as a failed login for the account and client, toward the account's cap of wrong
    codes, and toward the token's 5, after which it is dead.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        second_factor: SecondFactorCheck,
        issuer: TokenIssuer,
        clock: Clock,
        events: SecurityEvents,
        throttle: LoginThrottle,
        require_verified_email: bool = False,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._second_factor = second_factor
        self._issuer = issuer
        self._clock = clock
        self._events = events
        self._throttle = throttle
        self._require_verified_email = require_verified_email

    async def execute(self, command: LoginWithCodeCommand) -> AuthResult:
        """Raise TooManyAttempts, InvalidMfaToken, InvalidCredentials (a wrong code),
        AccountDisabled or EmailUnverified; a session starts only when all pass."""
        token_hash = link_token_hash(command.mfa_token)
        async with self._unit_of_work(read_only=True) as uow:
            challenge = await uow.mfa_challenges.get(token_hash)
            user = None if challenge is None else await uow.users.get(challenge.user_id)
        reservation = await self._reserve(user, command)
        try:
            factor = await self._usable(challenge, user)
            if factor is None or challenge is None or user is None:
                await reservation.give_back()  # no code was tried
                self._failed(command, user, "mfa_token_refused")
                raise InvalidMfaToken
            spent = await self._second_factor.spend(factor, command.second_factor)
            if not spent:
                async with self._unit_of_work() as uow:
                    await uow.mfa_challenges.count_failure(token_hash)
                    await uow.commit()
        except (StoreUnavailable, SealingKeyMissing):
            await reservation.give_back()  # the service failed, not the guess
            raise
        if not spent:
            self._failed(command, user, "wrong_code")
            raise InvalidCredentials
        self._ensure_may_sign_in(user, command)
        await reservation.succeeded()
        return await self._start_session(challenge, user, command)

    async def _usable(self, challenge: MfaChallenge | None, user: User | None) -> TotpFactor | None:
        """The account's factor, if the challenge is live and its account's credentials are
        still those its password was checked with (a password change or reset kills it)."""
        now = self._clock.now()
        if challenge is None or user is None or not challenge.is_live(now):
            return None
        # A disable raises the version too, but answers account-disabled once the code is
        # checked, as login does after the password.
        if user.is_active and user.credentials_version != challenge.credentials_version:
            return None
        return await self._second_factor.enabled_factor(user.id)

    def _ensure_may_sign_in(self, user: User, command: LoginWithCodeCommand) -> None:
        try:
            user.ensure_may_sign_in(self._require_verified_email)
        except (AccountDisabled, EmailUnverified) as refused:
            self._failed(command, user, refused.reason)
            raise

    async def _start_session(
        self, challenge: MfaChallenge, user: User, command: LoginWithCodeCommand
    ) -> AuthResult:
        now = self._clock.now()
        # The session holds the credentials version the password was checked with.
        session = self._issuer.start_session(user, now, command.user_agent, amr=PASSWORD_AND_CODE)
        async with self._unit_of_work() as uow:
            # Single use: of two requests racing with one token, only one consumes it.
            stored = await uow.users.get(user.id)
            consumed = await uow.mfa_challenges.consume(challenge.token_hash, now)
            if not consumed or stored is None:
                raise InvalidMfaToken
            if stored.credentials_version != challenge.credentials_version:
                raise InvalidMfaToken
            await uow.sessions.add(session)
            await uow.commit()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.MFA_LOGIN_SUCCEEDED,
                user_id=user.id,
                session_id=session.id,
                client_ip=command.client_ip,
            )
        )
        return AuthResult(user=user, tokens=self._issuer.tokens_for(session, now))

    async def _reserve(self, user: User | None, command: LoginWithCodeCommand) -> Reservation:
        try:
            return await self._throttle.reserve_code(user, command.client_ip)
        except TooManyAttempts as refused:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.MFA_THROTTLED,
                    user_id=None if user is None else user.id,
                    client_ip=command.client_ip,
                    reason=refused.reason,
                )
            )
            raise

    def _failed(self, command: LoginWithCodeCommand, user: User | None, reason: str) -> None:
        wrong_code = reason == "wrong_code"
        self._events.record(
            SecurityEvent(
                SecurityEventKind.MFA_CODE_FAILED if wrong_code else SecurityEventKind.LOGIN_FAILED,
                user_id=None if user is None else user.id,
                client_ip=command.client_ip,
                reason="login" if wrong_code else reason,
            )
        )
