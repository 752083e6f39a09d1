"""The composition root: the one place that says which adapter serves which port."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.http.refresh_cookie import RefreshCookie
from adapters.observability.security_log import LoggingSecurityEvents
from adapters.persistence.database import create_engine
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from adapters.persistence_health import SqlAlchemyHealthProbe
from adapters.security.argon2_hasher import Argon2Cost, Argon2PasswordHasher
from adapters.system import RandomIds, SystemClock
from adapters.tokens.codec import JoseTokenCodec
from adapters.tokens.keys import KeyRing
from application.authenticate import Authenticate
from application.check_health import CheckHealth
from application.get_current_user import GetCurrentUser
from application.login import Login
from application.logout import Logout
from application.refresh_session import RefreshSession
from application.register_user import RegisterUser
from application.token_issuer import TokenIssuer, TokenPolicy
from domain.password import PasswordPolicy
from domain.session import SessionLifetime
from entrypoints.http.responses import TokenResponder
from entrypoints.settings import Settings


def _seconds(value: int) -> timedelta:
    return timedelta(seconds=value)


class Container(containers.DeclarativeContainer):
    """Settings first, then adapters (singletons: stateless or pooled), then use cases."""

    settings = providers.Singleton(Settings.from_env)

    clock = providers.Singleton(SystemClock)
    security_events = providers.Singleton(LoggingSecurityEvents)
    ids = providers.Singleton(RandomIds)

    engine = providers.Singleton(create_engine, settings.provided.database_url)
    unit_of_work = providers.Factory(SqlAlchemyUnitOfWork, engine)
    health_probe = providers.Singleton(SqlAlchemyHealthProbe, engine)

    password_hasher = providers.Singleton(
        Argon2PasswordHasher,
        providers.Factory(
            Argon2Cost,
            time_cost=settings.provided.argon2_time_cost,
            memory_kib=settings.provided.argon2_memory_kib,
            parallelism=settings.provided.argon2_parallelism,
        ),
    )
    password_policy = providers.Singleton(
        PasswordPolicy, min_length=settings.provided.password_min_length
    )

    key_ring = providers.Singleton(KeyRing.parse, settings.provided.auth_keys)
    token_codec = providers.Singleton(
        JoseTokenCodec,
        keys=key_ring,
        issuer=settings.provided.issuer,
        audience=settings.provided.audience,
        clock=clock,
    )
    token_policy = providers.Singleton(
        TokenPolicy,
        access_ttl=providers.Callable(_seconds, settings.provided.access_ttl),
        session=providers.Singleton(
            SessionLifetime,
            idle=providers.Callable(_seconds, settings.provided.refresh_ttl),
            absolute=providers.Callable(_seconds, settings.provided.session_max_age),
            reuse_grace=providers.Callable(_seconds, settings.provided.refresh_reuse_grace),
        ),
    )
    token_issuer = providers.Singleton(TokenIssuer, token_codec, ids, token_policy)
    refresh_cookie = providers.Singleton(
        RefreshCookie, clock=clock, secure=settings.provided.cookie_secure
    )
    token_responder = providers.Singleton(
        TokenResponder, refresh_cookie, token_policy.provided.access_ttl
    )

    register_user = providers.Factory(
        RegisterUser,
        unit_of_work=unit_of_work.provider,
        hasher=password_hasher,
        password_policy=password_policy,
        issuer=token_issuer,
        clock=clock,
        ids=ids,
        events=security_events,
    )
    login = providers.Factory(
        Login,
        unit_of_work=unit_of_work.provider,
        hasher=password_hasher,
        issuer=token_issuer,
        clock=clock,
        events=security_events,
    )
    refresh_session = providers.Factory(
        RefreshSession,
        unit_of_work=unit_of_work.provider,
        codec=token_codec,
        issuer=token_issuer,
        clock=clock,
        ids=ids,
        events=security_events,
    )
    logout = providers.Factory(
        Logout,
        unit_of_work=unit_of_work.provider,
        codec=token_codec,
        clock=clock,
        events=security_events,
    )
    authenticate = providers.Factory(Authenticate, codec=token_codec)
    get_current_user = providers.Factory(GetCurrentUser, unit_of_work=unit_of_work.provider)
    check_health = providers.Factory(CheckHealth, health_probe)
