"""The composition root: the one place that says which adapter serves which port."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.link_tokens import RandomLinkTokens
from adapters.mail.templates import PlainMailComposer
from adapters.mfa.secret_box import AesGcmSecretBox
from adapters.mfa.totp import PyOtpTotp, RandomRecoveryCodes
from adapters.observability.fan_out import FanOutSecurityEvents
from adapters.observability.mail_metrics import mail_metrics
from adapters.observability.metrics import PrometheusSecurityEvents
from adapters.observability.security_log import LoggingSecurityEvents
from adapters.passwords.common_list import load_common_passwords
from adapters.persistence.database import async_url, create_engine
from adapters.persistence.health import SqlAlchemyHealthProbe
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from adapters.security.argon2_hasher import Argon2Cost, Argon2PasswordHasher
from adapters.system import RandomIds, SystemClock
from adapters.throttling import attempt_counter_for, attempt_store_for
from adapters.tokens.cached_codec import CachingTokenCodec
from adapters.tokens.codec import JoseTokenCodec
from adapters.tokens.keys import KeyRing
from adapters.webauthn.relying_party import PyWebAuthnRelyingParty, RelyingPartyIdentity
from application.answer_reset_requests import AnswerResetRequests, ResetMailCap
from application.authenticate import Authenticate
from application.change_password import ChangePassword
from application.check_health import CheckHealth
from application.count_sessions import CountSessions
from application.delete_account import DeleteAccount
from application.deliver_mail import DeliverMail, DeliveryPolicy
from application.get_current_user import GetCurrentUser
from application.link_mail import LinkMailer, LinkSettings
from application.list_sessions import ListSessions
from application.login import Login
from application.logout import Logout
from application.logout_all import LogoutAll
from application.mail_throttling import (
    ForgotPasswordLimits,
    ForgotPasswordThrottle,
    VerificationMailLimits,
    VerificationMailThrottle,
)
from application.mfa.challenges import MfaChallenges
from application.mfa.check import SecondFactorCheck
from application.mfa.confirm_totp import ConfirmTotp
from application.mfa.get_second_factors import GetSecondFactors
from application.mfa.login_with_code import LoginWithCode
from application.mfa.recovery_codes import RecoveryCodeMaker
from application.mfa.remove_totp import RemoveTotp
from application.mfa.renew_recovery_codes import RenewRecoveryCodes
from application.mfa.set_up_totp import SetUpTotp
from application.operator.create_user import CreateUser
from application.operator.mark_email_verified import MarkEmailVerified
from application.operator.prune_sessions import PruneSessions
from application.operator.remove_account import RemoveAccount
from application.operator.reset_second_factor import ResetSecondFactor
from application.operator.send_test_mail import SendTestMail
from application.operator.set_account_active import SetAccountActive
from application.passkeys.ceremonies import PasskeyCeremonies
from application.passkeys.list_passkeys import ListPasskeys
from application.passkeys.register_passkey import RegisterPasskey
from application.passkeys.remove_passkey import RemovePasskey
from application.passkeys.sign_in_with_passkey import SignInWithPasskey
from application.passkeys.start_passkey_registration import StartPasskeyRegistration
from application.passkeys.start_passkey_sign_in import StartPasskeySignIn
from application.reauthentication import Reauthentication
from application.refresh_session import RefreshSession
from application.register_user import RegisterUser
from application.request_password_reset import RequestPasswordReset
from application.reset_password import ResetPassword
from application.revoke_session import RevokeSession
from application.send_email_verification import SendEmailVerification
from application.throttling import (
    LoginLimits,
    LoginThrottle,
    RegistrationLimits,
    RegistrationThrottle,
)
from application.token_issuer import TokenIssuer, TokenPolicy
from application.verify_email import VerifyEmail
from domain.password import PasswordPolicy
from domain.session import SessionLifetime
from entrypoints.http.refresh_cookie import RefreshCookie
from entrypoints.http.responses import TokenResponder
from entrypoints.mail import mail_sender_for
from entrypoints.outbox_loop import OutboxLoop
from entrypoints.settings import Settings


def _seconds(value: int) -> timedelta:
    return timedelta(seconds=value)


def _engine(settings: Settings) -> AsyncEngine:
    """The engine and its connection pool; each `serve --workers N` worker holds its own."""
    if async_url(settings.database_url).get_backend_name() == "sqlite":
        return create_engine(settings.database_url)  # one file on one host: the defaults do
    return create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )


class Container(containers.DeclarativeContainer):
    """Settings first, then adapters (singletons: stateless or pooled), then use cases."""

    settings = providers.Singleton(Settings.from_env)

    clock = providers.Singleton(SystemClock)
    security_events = providers.Singleton(
        FanOutSecurityEvents,
        providers.Singleton(LoggingSecurityEvents),
        providers.Singleton(PrometheusSecurityEvents),
    )
    ids = providers.Singleton(RandomIds)

    engine = providers.Singleton(_engine, settings)
    unit_of_work = providers.Factory(SqlAlchemyUnitOfWork.open, engine)
    health_probe = providers.Singleton(SqlAlchemyHealthProbe, engine)

    password_hasher = providers.Singleton(
        Argon2PasswordHasher,
        providers.Factory(
            Argon2Cost,
            time_cost=settings.provided.argon2_time_cost,
            memory_kib=settings.provided.argon2_memory_kib,
            parallelism=settings.provided.argon2_parallelism,
        ),
        threads=settings.provided.argon2_threads,
        queue_timeout=settings.provided.argon2_queue_timeout,
    )
    password_policy = providers.Singleton(
        PasswordPolicy,
        min_length=settings.provided.password_min_length,
        common_passwords=providers.Callable(load_common_passwords),
    )

    # Counters live in a Litestar store (the app registers it, so its lifespan closes it).
    attempt_store = providers.Singleton(attempt_store_for, settings.provided.redis_url)
    attempt_counter = providers.Singleton(attempt_counter_for, attempt_store)
    login_limits = providers.Factory(
        LoginLimits,
        max_failures=settings.provided.login_max_failures,
        max_failures_per_ip=settings.provided.login_max_failures_per_ip,
        window=providers.Callable(_seconds, settings.provided.login_window),
    )
    login_throttle = providers.Singleton(LoginThrottle, attempt_counter, login_limits)
    registration_limits = providers.Factory(
        RegistrationLimits, max_per_ip=settings.provided.register_max_per_ip
    )
    registration_throttle = providers.Singleton(
        RegistrationThrottle, attempt_counter, registration_limits
    )

    key_ring = providers.Singleton(KeyRing.parse, settings.provided.auth_keys)
    jose_token_codec = providers.Singleton(
        JoseTokenCodec,
        keys=key_ring,
        issuer=settings.provided.issuer,
        audience=settings.provided.audience,
        clock=clock,
    )
    # Verified access tokens are remembered per process (cached_codec.py says why that is safe);
    # refresh tokens and encoding pass straight through to the JOSE codec.
    token_codec = providers.Singleton(CachingTokenCodec, jose_token_codec, clock)
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

    # Mail: links and their messages, the outbox and its sender (docs/api.md "Account recovery").
    link_tokens = providers.Singleton(RandomLinkTokens)
    mail_composer = providers.Singleton(PlainMailComposer)
    link_settings = providers.Singleton(
        LinkSettings,
        app_url=settings.provided.app_url,
        reset_ttl=providers.Callable(_seconds, settings.provided.reset_ttl),
        verify_ttl=providers.Callable(_seconds, settings.provided.verify_ttl),
    )
    link_mailer = providers.Singleton(LinkMailer, link_tokens, mail_composer, ids, link_settings)
    mail_sender = providers.Singleton(mail_sender_for, settings)
    delivery_policy = providers.Singleton(DeliveryPolicy)
    deliver_mail = providers.Factory(
        DeliverMail,
        unit_of_work=unit_of_work.provider,
        sender=mail_sender,
        clock=clock,
        policy=delivery_policy,
        events=security_events,
    )
    answer_reset_requests = providers.Factory(
        AnswerResetRequests,
        unit_of_work=unit_of_work.provider,
        mailer=link_mailer,
        clock=clock,
        events=security_events,
        cap=providers.Factory(ResetMailCap, per_hour=settings.provided.reset_max_per_hour),
    )
    outbox_loop = providers.Singleton(
        OutboxLoop,
        deliver_mail,
        observe=providers.Callable(mail_metrics).provided.observe,
        answer=answer_reset_requests,
        observe_answers=providers.Callable(mail_metrics).provided.observe_answers,
    )
    forgot_password_limits = providers.Factory(
        ForgotPasswordLimits,
        max_per_email_and_ip=settings.provided.login_max_failures,
        max_per_ip=settings.provided.login_max_failures_per_ip,
        window=providers.Callable(_seconds, settings.provided.login_window),
    )
    forgot_password_throttle = providers.Singleton(
        ForgotPasswordThrottle, attempt_counter, forgot_password_limits
    )
    verification_mail_throttle = providers.Singleton(
        VerificationMailThrottle, attempt_counter, providers.Factory(VerificationMailLimits)
    )

    # The second factor (docs/api.md "Second factor"): TOTP secrets sealed under AUTH_KEYS.
    totp_algorithm = providers.Singleton(PyOtpTotp, settings.provided.totp_issuer)
    secret_box = providers.Singleton(AesGcmSecretBox.from_auth_keys, settings.provided.auth_keys)
    recovery_code_maker = providers.Singleton(
        RecoveryCodeMaker, providers.Singleton(RandomRecoveryCodes)
    )
    second_factor_check = providers.Factory(
        SecondFactorCheck,
        unit_of_work=unit_of_work.provider,
        totp=totp_algorithm,
        box=secret_box,
        clock=clock,
        events=security_events,
    )
    mfa_challenges = providers.Factory(
        MfaChallenges,
        unit_of_work=unit_of_work.provider,
        second_factor=second_factor_check,
        tokens=link_tokens,
        clock=clock,
        ttl=providers.Callable(_seconds, settings.provided.mfa_token_ttl),
    )
    reauthentication = providers.Singleton(
        Reauthentication, password_hasher, login_throttle, security_events, second_factor_check
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
        throttle=registration_throttle,
        mailer=link_mailer,
    )
    login = providers.Factory(
        Login,
        unit_of_work=unit_of_work.provider,
        hasher=password_hasher,
        issuer=token_issuer,
        clock=clock,
        events=security_events,
        throttle=login_throttle,
        challenges=mfa_challenges,
        require_verified_email=settings.provided.require_verified_email,
    )
    login_with_code = providers.Factory(
        LoginWithCode,
        unit_of_work=unit_of_work.provider,
        second_factor=second_factor_check,
        issuer=token_issuer,
        clock=clock,
        events=security_events,
        throttle=login_throttle,
        require_verified_email=settings.provided.require_verified_email,
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
    logout_all = providers.Factory(
        LogoutAll, unit_of_work=unit_of_work.provider, clock=clock, events=security_events
    )
    list_sessions = providers.Factory(ListSessions, unit_of_work=unit_of_work.provider, clock=clock)
    count_sessions = providers.Factory(
        CountSessions, unit_of_work=unit_of_work.provider, clock=clock
    )
    revoke_session = providers.Factory(
        RevokeSession, unit_of_work=unit_of_work.provider, clock=clock, events=security_events
    )
    change_password = providers.Factory(
        ChangePassword,
        unit_of_work=unit_of_work.provider,
        hasher=password_hasher,
        password_policy=password_policy,
        issuer=token_issuer,
        clock=clock,
        events=security_events,
        reauthentication=reauthentication,
    )
    request_password_reset = providers.Factory(
        RequestPasswordReset,
        unit_of_work=unit_of_work.provider,
        clock=clock,
        ids=ids,
        events=security_events,
        throttle=forgot_password_throttle,
        listener=outbox_loop,
    )
    reset_password = providers.Factory(
        ResetPassword,
        unit_of_work=unit_of_work.provider,
        hasher=password_hasher,
        password_policy=password_policy,
        clock=clock,
        events=security_events,
    )
    send_email_verification = providers.Factory(
        SendEmailVerification,
        unit_of_work=unit_of_work.provider,
        mailer=link_mailer,
        clock=clock,
        throttle=verification_mail_throttle,
    )
    verify_email = providers.Factory(
        VerifyEmail, unit_of_work=unit_of_work.provider, clock=clock, events=security_events
    )
    delete_account = providers.Factory(
        DeleteAccount,
        unit_of_work=unit_of_work.provider,
        events=security_events,
        reauthentication=reauthentication,
    )
    # Passkeys (docs/api.md "Passkeys"): the relying party, ceremonies kept in the database.
    relying_party = providers.Singleton(
        PyWebAuthnRelyingParty,
        providers.Factory(
            RelyingPartyIdentity,
            rp_id=settings.provided.relying_party_id,
            name=settings.provided.webauthn_rp_name,
            origins=settings.provided.relying_party_origins,
        ),
    )
    passkey_ceremonies = providers.Factory(
        PasskeyCeremonies, unit_of_work=unit_of_work.provider, tokens=link_tokens, clock=clock
    )
    start_passkey_registration = providers.Factory(
        StartPasskeyRegistration,
        unit_of_work=unit_of_work.provider,
        reauthentication=reauthentication,
        relying_party=relying_party,
        ceremonies=passkey_ceremonies,
    )
    register_passkey = providers.Factory(
        RegisterPasskey,
        unit_of_work=unit_of_work.provider,
        relying_party=relying_party,
        ceremonies=passkey_ceremonies,
        clock=clock,
        ids=ids,
        events=security_events,
    )
    list_passkeys = providers.Factory(ListPasskeys, unit_of_work=unit_of_work.provider)
    remove_passkey = providers.Factory(
        RemovePasskey, unit_of_work=unit_of_work.provider, events=security_events
    )
    start_passkey_sign_in = providers.Factory(
        StartPasskeySignIn,
        relying_party=relying_party,
        ceremonies=passkey_ceremonies,
        throttle=login_throttle,
        events=security_events,
    )
    sign_in_with_passkey = providers.Factory(
        SignInWithPasskey,
        unit_of_work=unit_of_work.provider,
        relying_party=relying_party,
        ceremonies=passkey_ceremonies,
        issuer=token_issuer,
        clock=clock,
        events=security_events,
        throttle=login_throttle,
        require_verified_email=settings.provided.require_verified_email,
    )
    get_second_factors = providers.Factory(GetSecondFactors, unit_of_work=unit_of_work.provider)
    set_up_totp = providers.Factory(
        SetUpTotp,
        unit_of_work=unit_of_work.provider,
        totp=totp_algorithm,
        box=secret_box,
        clock=clock,
        second_factor=second_factor_check,
        reauthentication=reauthentication,
    )
    confirm_totp = providers.Factory(
        ConfirmTotp,
        unit_of_work=unit_of_work.provider,
        second_factor=second_factor_check,
        recovery_codes=recovery_code_maker,
        throttle=login_throttle,
        clock=clock,
        events=security_events,
    )
    remove_totp = providers.Factory(
        RemoveTotp,
        unit_of_work=unit_of_work.provider,
        second_factor=second_factor_check,
        reauthentication=reauthentication,
        events=security_events,
    )
    renew_recovery_codes = providers.Factory(
        RenewRecoveryCodes,
        unit_of_work=unit_of_work.provider,
        second_factor=second_factor_check,
        recovery_codes=recovery_code_maker,
        reauthentication=reauthentication,
        events=security_events,
    )
    # Operator use cases, run by the CLI.
    send_test_mail = providers.Factory(SendTestMail, composer=mail_composer, sender=mail_sender)
    mark_email_verified = providers.Factory(
        MarkEmailVerified, unit_of_work=unit_of_work.provider, events=security_events
    )
    remove_account = providers.Factory(
        RemoveAccount, unit_of_work=unit_of_work.provider, events=security_events
    )
    reset_second_factor = providers.Factory(
        ResetSecondFactor, unit_of_work=unit_of_work.provider, clock=clock, events=security_events
    )
    create_user = providers.Factory(
        CreateUser,
        unit_of_work=unit_of_work.provider,
        hasher=password_hasher,
        password_policy=password_policy,
        clock=clock,
        ids=ids,
        events=security_events,
    )
    set_account_active = providers.Factory(
        SetAccountActive, unit_of_work=unit_of_work.provider, clock=clock, events=security_events
    )
    prune_sessions = providers.Factory(
        PruneSessions, unit_of_work=unit_of_work.provider, clock=clock
    )
    check_health = providers.Factory(CheckHealth, health_probe)
