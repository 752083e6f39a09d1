"""Plain builders for domain objects, and a `World`: the container's use cases on in-memory fakes.

Every builder has defaults, so a test names only what it is about: `a_user(is_active=False)`.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from dependency_injector import providers

from application.deliver_mail import DeliveryPolicy
from application.link_mail import LinkMailer, LinkSettings
from application.login import LoginCommand
from application.logout import LogoutCommand
from application.mail_throttling import ForgotPasswordLimits
from application.refresh_session import RefreshCommand, RefreshSession
from application.register_user import RegisterCommand, RegisterUser
from application.results import AuthResult, Principal
from application.throttling import LoginLimits, RegistrationLimits
from application.token_issuer import TokenIssuer, TokenPolicy
from domain.auth_methods import PASSWORD_ONLY, AuthMethods
from domain.email import Email
from domain.password import PasswordPolicy
from domain.session import Session, SessionLifetime
from domain.tokens import Claims, TokenType
from domain.user import User
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.fakes.lifecycle import (
    CountingLinkTokens,
    CountingResetListener,
    PlainComposer,
    RecordingMailSender,
)
from tests.fakes.persistence import InMemoryStore, InMemoryUnitOfWork
from tests.fakes.second_factor import FakeSecretBox
from tests.fakes.security import (
    FakePasswordHasher,
    FakeTokenCodec,
    FixedClock,
    RecordingSecurityEvents,
    SequentialIds,
)
from tests.fakes.throttling import InMemoryAttemptCounter

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ACCESS_TTL = timedelta(minutes=15)
IDLE_TTL = timedelta(days=14)
ABSOLUTE_TTL = timedelta(days=30)
REUSE_GRACE = timedelta(seconds=5)

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"
OPAQUE_HASH = "opaque-password-hash"
FIRST_TOKEN_ID = "jti-first"
COMMON_PASSWORDS = frozenset({"password12345678", "123456789012345"})


def an_email(value: str = EMAIL) -> Email:
    return Email.parse(value)


def a_user(
    *,
    id: UUID | None = None,
    email: str = EMAIL,
    password_hash: str = OPAQUE_HASH,
    created_at: datetime = NOW,
    is_active: bool = True,
    credentials_version: int = 0,
) -> User:
    """A user as loaded from storage. The hash is opaque; use `World.given_user` to log in."""
    return User(
        id=uuid.uuid4() if id is None else id,
        email=Email.parse(email),
        password_hash=password_hash,
        created_at=created_at,
        is_active=is_active,
        credentials_version=credentials_version,
    )


def a_lifetime(
    *,
    idle: timedelta = IDLE_TTL,
    absolute: timedelta = ABSOLUTE_TTL,
    reuse_grace: timedelta = REUSE_GRACE,
) -> SessionLifetime:
    return SessionLifetime(idle=idle, absolute=absolute, reuse_grace=reuse_grace)


def a_token_policy(
    *, access_ttl: timedelta = ACCESS_TTL, session: SessionLifetime | None = None
) -> TokenPolicy:
    return TokenPolicy(access_ttl=access_ttl, session=a_lifetime() if session is None else session)


def a_password_policy(
    *, min_length: int = 15, common_passwords: frozenset[str] = COMMON_PASSWORDS
) -> PasswordPolicy:
    return PasswordPolicy(min_length=min_length, common_passwords=common_passwords)


def a_session(
    *,
    id: UUID | None = None,
    user_id: UUID | None = None,
    token_id: str = FIRST_TOKEN_ID,
    now: datetime = NOW,
    lifetime: SessionLifetime | None = None,
    user_agent: str | None = None,
    credentials_version: int = 0,
    amr: AuthMethods = PASSWORD_ONLY,
) -> Session:
    """A session freshly started at `now` (see `Session.start`)."""
    return Session.start(
        id=uuid.uuid4() if id is None else id,
        user_id=uuid.uuid4() if user_id is None else user_id,
        credentials_version=credentials_version,
        amr=amr,
        token_id=token_id,
        now=now,
        lifetime=a_lifetime() if lifetime is None else lifetime,
        user_agent=user_agent,
    )


@dataclass
class World:
    """The application's container (entrypoints/container.py) with its adapters replaced by fakes
    that share one store, one clock and one codec.

    Every use case is the container's own wiring: `world.count_sessions` is the container's
    `count_sessions` provider, built on these fakes, so a use case registered in the container
    is here too, with nothing to add.
    """

    store: InMemoryStore
    clock: FixedClock
    ids: SequentialIds
    hasher: FakePasswordHasher
    codec: FakeTokenCodec
    policy: TokenPolicy
    password_policy: PasswordPolicy
    events: RecordingSecurityEvents = field(default_factory=RecordingSecurityEvents)
    login_limits: LoginLimits = field(default_factory=LoginLimits)
    registration_limits: RegistrationLimits = field(default_factory=RegistrationLimits)
    forgot_limits: ForgotPasswordLimits = field(default_factory=ForgotPasswordLimits)
    link_settings: LinkSettings = field(default_factory=LinkSettings)
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    require_verified_email: bool = False
    link_tokens: CountingLinkTokens = field(default_factory=CountingLinkTokens)
    mail: RecordingMailSender = field(default_factory=RecordingMailSender)
    reset_listener: CountingResetListener = field(default_factory=CountingResetListener)
    container: Container = field(init=False)
    attempts: InMemoryAttemptCounter = field(init=False)
    issuer: TokenIssuer = field(init=False)
    mailer: LinkMailer = field(init=False)

    def __post_init__(self) -> None:
        self.attempts = InMemoryAttemptCounter(self.clock)
        self.container = Container()
        self.container.override_providers(
            # Settings as declared, with their defaults, except what the world names.
            settings=providers.Object(
                Settings.model_construct(require_verified_email=self.require_verified_email)
            ),
            clock=providers.Object(self.clock),
            ids=providers.Object(self.ids),
            security_events=providers.Object(self.events),
            unit_of_work=providers.Factory(InMemoryUnitOfWork, self.store),
            password_hasher=providers.Object(self.hasher),
            password_policy=providers.Object(self.password_policy),
            attempt_counter=providers.Object(self.attempts),
            login_limits=providers.Object(self.login_limits),
            registration_limits=providers.Object(self.registration_limits),
            forgot_password_limits=providers.Object(self.forgot_limits),
            token_codec=providers.Object(self.codec),
            token_policy=providers.Object(self.policy),
            link_tokens=providers.Object(self.link_tokens),
            mail_composer=providers.Object(PlainComposer()),
            link_settings=providers.Object(self.link_settings),
            mail_sender=providers.Object(self.mail),
            delivery_policy=providers.Object(self.delivery),
            # What a queued forgot request wakes: the outbox loop in the service, a counter here.
            outbox_loop=providers.Object(self.reset_listener),
            secret_box=providers.Object(FakeSecretBox()),
        )
        self.issuer = self.container.token_issuer()
        self.mailer = self.container.link_mailer()

    def __getattr__(self, name: str) -> Any:
        """A use case by its provider's name in the container, such as `world.count_sessions`."""
        if name.startswith("_") or name == "container":  # not set yet, or a copy/pickle probe
            raise AttributeError(name)
        return getattr(self.container, name)()

    @property
    def register(self) -> RegisterUser:
        return self.container.register_user()

    @property
    def refresh(self) -> RefreshSession:
        return self.container.refresh_session()

    def unit_of_work(self, *, read_only: bool = False) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, read_only=read_only)

    @property
    def lifetime(self) -> SessionLifetime:
        return self.policy.session

    async def given_user(
        self, *, email: str = EMAIL, password: str = PASSWORD, is_active: bool = True
    ) -> User:
        """Store a user whose password the world's hasher can verify; no session, no tokens."""
        user = a_user(
            id=self.ids.new_id(),
            email=email,
            password_hash=await self.hasher.hash(password),
            created_at=self.clock.now(),
            is_active=is_active,
        )
        self.store.users[user.id] = copy.deepcopy(user)  # as committed: not shared with the test
        return user

    async def sign_up(
        self,
        *,
        email: str = EMAIL,
        password: str = PASSWORD,
        user_agent: str | None = None,
        client_ip: str | None = None,
    ) -> AuthResult:
        """Register through the use case: a user, a session and its token pair."""
        return await self.register.execute(RegisterCommand(email, password, user_agent, client_ip))

    async def sign_in(
        self,
        *,
        email: str = EMAIL,
        password: str = PASSWORD,
        user_agent: str | None = None,
        client_ip: str | None = None,
    ) -> AuthResult:
        return await self.login.execute(LoginCommand(email, password, user_agent, client_ip))

    async def refresh_with(self, refresh_token: str) -> AuthResult:
        return await self.refresh.execute(RefreshCommand(refresh_token))

    async def sign_out(self, refresh_token: str | None) -> None:
        await self.logout.execute(LogoutCommand(refresh_token))

    def claims_of(self, token: str) -> Claims:
        """What the codec says a token holds, whatever its type and even once expired."""
        return self.codec.issued[token]

    def session_of(self, result: AuthResult) -> Session:
        """The committed session that `result`'s refresh token belongs to."""
        return self.store.sessions[self.claims_of(result.tokens.refresh_token).session_id]

    def principal_of(self, result: AuthResult) -> Principal:
        """Who `result`'s access token speaks for, even once the token expired."""
        claims = self.claims_of(result.tokens.access_token)
        assert claims.credentials_version is not None
        return Principal(
            user_id=claims.subject,
            session_id=claims.session_id,
            credentials_version=claims.credentials_version,
        )

    def forge_refresh_token(
        self,
        session: Session,
        *,
        token_id: str | None = None,
        subject: UUID | None = None,
        expires_at: datetime | None = None,
    ) -> str:
        """A refresh token the codec accepts, with claims the issuer would never have made."""
        return self.codec.encode(
            Claims(
                subject=session.user_id if subject is None else subject,
                session_id=session.id,
                token_id=session.current_token_id if token_id is None else token_id,
                type=TokenType.REFRESH,
                issued_at=self.clock.now(),
                expires_at=session.idle_expires_at if expires_at is None else expires_at,
            )
        )


def a_world(
    *,
    now: datetime = NOW,
    lifetime: SessionLifetime | None = None,
    access_ttl: timedelta = ACCESS_TTL,
    password_policy: PasswordPolicy | None = None,
    hasher: FakePasswordHasher | None = None,
    login_limits: LoginLimits | None = None,
    registration_limits: RegistrationLimits | None = None,
    forgot_limits: ForgotPasswordLimits | None = None,
    delivery: DeliveryPolicy | None = None,
    require_verified_email: bool = False,
) -> World:
    """Use cases on fresh fakes: empty store, clock stopped at `now`, ids counting from 1."""
    clock = FixedClock(now)
    ids = SequentialIds()
    codec = FakeTokenCodec(clock)
    policy = a_token_policy(access_ttl=access_ttl, session=lifetime)
    return World(
        store=InMemoryStore(),
        clock=clock,
        ids=ids,
        hasher=FakePasswordHasher() if hasher is None else hasher,
        codec=codec,
        policy=policy,
        password_policy=a_password_policy() if password_policy is None else password_policy,
        login_limits=LoginLimits() if login_limits is None else login_limits,
        registration_limits=(
            RegistrationLimits() if registration_limits is None else registration_limits
        ),
        forgot_limits=ForgotPasswordLimits() if forgot_limits is None else forgot_limits,
        delivery=DeliveryPolicy() if delivery is None else delivery,
        require_verified_email=require_verified_email,
    )
