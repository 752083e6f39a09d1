from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.link_mail import LinkMailer
from application.mail_ports import OutboxListener
from application.ports import (
    Clock,
    IdGenerator,
    Overloaded,
    PasswordHasher,
    StoreUnavailable,
    UnitOfWorkFactory,
)
from application.results import AuthResult
from application.throttling import RegistrationThrottle, Reservation
from application.token_issuer import TokenIssuer
from domain.auth_methods import PASSWORD_ONLY
from domain.email import Email
from domain.errors import TooManyAttempts
from domain.one_time_link import LinkPurpose
from domain.password import PasswordPolicy
from domain.session import Session
from domain.user import User


@dataclass(frozen=True, slots=True)
class RegisterCommand:
    email: str
    password: str
    user_agent: str | None = None
    client_ip: str | None = None


class RegisterUser:
    """Create an account and sign it in on the device that registered it."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        hasher: PasswordHasher,
        password_policy: PasswordPolicy,
        issuer: TokenIssuer,
        clock: Clock,
        ids: IdGenerator,
        events: SecurityEvents,
        throttle: RegistrationThrottle,
        mailer: LinkMailer | None = None,
        listener: OutboxListener | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._hasher = hasher
        self._password_policy = password_policy
        self._issuer = issuer
        self._clock = clock
        self._ids = ids
        self._events = events
        self._throttle = throttle
        self._mailer = mailer
        self._listener = (
            listener  # the outbox loop: it sends the mail at once, not at its next poll
        )

    async def execute(self, command: RegisterCommand) -> AuthResult:
        """Raise TooManyAttempts, InvalidEmail, WeakPassword or EmailAlreadyRegistered; store
        nothing then."""
        # Every attempt counts, refused ones too: that also caps how fast the 409 for a taken
        # email can be used to find out which addresses have accounts.
        reservation = await self._reserve(command)
        try:
            user, session, now = await self._create(command)
        except (StoreUnavailable, Overloaded):
            # The service failed, not the client: nothing was created, and no try is used up.
            await reservation.give_back()
            raise
        self._events.record(
            SecurityEvent(
                SecurityEventKind.REGISTERED,
                user_id=user.id,
                session_id=session.id,
                client_ip=command.client_ip,
            )
        )
        return AuthResult(user=user, tokens=self._issuer.tokens_for(session, now))

    async def _create(self, command: RegisterCommand) -> tuple[User, Session, datetime]:
        email = Email.parse(command.email)
        self._password_policy.check(command.password, email)
        # Hash before the transaction opens: a connection is not held through ~0.25 s of argon2.
        password_hash = await self._hasher.hash(command.password)
        now = self._clock.now()
        user = User(id=self._ids.new_id(), email=email, password_hash=password_hash, created_at=now)
        session = self._issuer.start_session(user, now, command.user_agent, amr=PASSWORD_ONLY)
        async with self._unit_of_work() as uow:
            await uow.users.add(user)
            await uow.sessions.add(session)
            if self._mailer is not None:  # the verification mail commits with the account
                await self._mailer.send(uow, user, LinkPurpose.VERIFY, now)
            await uow.commit()
        if self._mailer is not None and self._listener is not None:
            self._listener.work_queued()
        return user, session, now

    async def _reserve(self, command: RegisterCommand) -> Reservation:
        try:
            return await self._throttle.reserve(command.client_ip)
        except TooManyAttempts as refused:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.REGISTRATION_THROTTLED,
                    client_ip=command.client_ip,
                    reason=refused.reason,
                )
            )
            raise
