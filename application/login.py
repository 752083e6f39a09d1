from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.mfa.challenges import MfaChallenges
from application.ports import (
    Clock,
    Overloaded,
    PasswordHasher,
    StoreUnavailable,
    UnitOfWork,
    UnitOfWorkFactory,
)
from application.results import AuthResult
from application.throttling import LoginThrottle, Reservation
from application.token_issuer import TokenIssuer
from domain.auth_methods import PASSWORD_ONLY
from domain.email import Email
from domain.errors import (
    AccountDisabled,
    EmailUnverified,
    InvalidCredentials,
    InvalidEmail,
    MfaRequired,
    TooManyAttempts,
)
from domain.session import Session
from domain.user import User


@dataclass(frozen=True, slots=True)
class LoginCommand:
    email: str
    password: str
    user_agent: str | None = None
    client_ip: str | None = None


class Login:
    """Check a password and start a new refresh session for the account; for an account with
    TOTP, start its second step instead (application/mfa/challenges.py)."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        hasher: PasswordHasher,
        issuer: TokenIssuer,
        clock: Clock,
        events: SecurityEvents,
        throttle: LoginThrottle,
        challenges: MfaChallenges,
        require_verified_email: bool = False,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._hasher = hasher
        self._issuer = issuer
        self._clock = clock
        self._events = events
        self._throttle = throttle
        self._challenges = challenges
        self._require_verified_email = require_verified_email

    async def execute(self, command: LoginCommand) -> AuthResult:
        """Raise TooManyAttempts, InvalidCredentials (unknown email or wrong password alike) or
        AccountDisabled, or EmailUnverified when verified emails are required, in that order;
        then MfaRequired, with no session started, for an account with TOTP. StoreUnavailable or
        Overloaded count against no throttle."""
        # Before anything else: a throttled client costs no database query and no argon2 work,
        # and learns nothing, not even whether its password was right.
        reservation = await self._reserve(command)
        try:
            user = await self._check(command)
            started = await self._start(user, command)
        except (StoreUnavailable, Overloaded):
            # The service failed, not the guess, so an outage locks nobody out afterwards. A
            # failure (wrong password, unknown email, disabled account) stays counted, and so
            # does anything unforeseen (a bug, a cancelled request): fail closed.
            await reservation.give_back()
            raise
        if isinstance(started, MfaRequired):
            # Neither a failure nor a success: only the second step's 200 resets the pair.
            await reservation.give_back()
            raise started
        await reservation.succeeded()
        session = started
        self._events.record(
            SecurityEvent(
                SecurityEventKind.LOGIN_SUCCEEDED,
                user_id=user.id,
                session_id=session.id,
                client_ip=command.client_ip,
            )
        )
        return AuthResult(user=user, tokens=self._issuer.tokens_for(session, session.created_at))

    async def _start(self, user: User, command: LoginCommand) -> Session | MfaRequired:
        """In one transaction: the new session, or for an account with TOTP the second step's
        challenge (and no session); a rehashed password is saved either way."""
        rehashed = None
        if self._hasher.needs_rehash(user.password_hash):
            rehashed = await self._hasher.hash(command.password)
        # The session keeps the credentials version read with the hash that was checked: if a
        # password change (or a disable) commits at any moment after that read, the session can
        # never refresh (docs/api.md "Refresh sessions").
        session = self._issuer.start_session(
            user, self._clock.now(), command.user_agent, amr=PASSWORD_ONLY
        )
        async with self._unit_of_work() as uow:
            await self._ensure_credentials_unchanged(uow, user, command)
            if rehashed is not None:
                user.upgrade_password_hash(rehashed)
                await uow.users.save_upgraded_password_hash(user)
            mfa_required = await self._challenges.start_if_enabled(uow, user)
            if mfa_required is None:
                await uow.sessions.add(session)
            await uow.commit()
        return session if mfa_required is None else mfa_required

    async def _check(self, command: LoginCommand) -> User:
        """The account, once its password is right and it may sign in."""
        user = await self._find(command.email)
        if user is None:
            # Same work as a real check, so response time does not tell which emails exist.
            await self._hasher.imitate_verify(command.password)
            self._failed(command, None, "unknown_email")
            raise InvalidCredentials
        if not await self._hasher.verify(user.password_hash, command.password):
            self._failed(command, user.id, "wrong_password")
            raise InvalidCredentials
        try:
            user.ensure_may_sign_in(self._require_verified_email)
        except (AccountDisabled, EmailUnverified) as refused:
            self._failed(command, user.id, refused.reason)
            raise
        return user

    async def _ensure_credentials_unchanged(
        self, uow: UnitOfWork, checked: User, command: LoginCommand
    ) -> None:
        """Refuse a login whose password check a credential change has overtaken.

        Only an early answer: a change that commits after this read still leaves the session
        unable to refresh, since the session holds the version that was checked.
        """
        stored = await uow.users.get(checked.id)
        if stored is None or stored.credentials_version != checked.credentials_version:
            self._failed(command, checked.id, "credentials_changed")
            raise InvalidCredentials

    async def _reserve(self, command: LoginCommand) -> Reservation:
        try:
            return await self._throttle.reserve(command.email, command.client_ip)
        except TooManyAttempts as refused:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.LOGIN_THROTTLED,
                    client_ip=command.client_ip,
                    reason=refused.reason,
                )
            )
            raise

    def _failed(self, command: LoginCommand, user_id: UUID | None, reason: str) -> None:
        self._events.record(
            SecurityEvent(
                SecurityEventKind.LOGIN_FAILED,
                user_id=user_id,
                client_ip=command.client_ip,
                reason=reason,
            )
        )

    async def _find(self, raw_email: str) -> User | None:
        try:
            email = Email.parse(raw_email)
        except InvalidEmail:
            return None
        async with self._unit_of_work(read_only=True) as uow:
            return await uow.users.get_by_email(email)
