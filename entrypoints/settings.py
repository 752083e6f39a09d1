"""Configuration from the environment, validated once at start-up (docs/api.md "Configuration").

Each setting is declared once, below: its variable, type, default, bounds and meaning. The README's
table is checked against these declarations by a test.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from adapters.mail.smtp_sender import SmtpEndpoint
from adapters.persistence.database import DEFAULT_DATABASE_URL
from adapters.tokens.keys import KeyRing, new_key_entry
from domain.password import NIST_MINIMUM_LENGTH
from entrypoints.http.csrf import origin_key

log = logging.getLogger("hexauth.settings")

DATA_DIR = Path(".data")
DEV_KEYS_FILE = "auth_keys"
MAX_REUSE_GRACE = 60  # docs/api.md "Configuration": the grace window is 0-60 s

AppEnv = Literal["development", "production"]


class SettingsError(Exception):
    """Every problem found in the environment, one clear message each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


def _exact_origin(origin: str) -> str:
    # "*" with credentials would let any site read token responses; list origins instead.
    # Exactly as browsers send Origin (no path, no trailing slash), or CORS never matches.
    if origin_key(origin) is None or "*" in origin or urlsplit(origin).path:
        raise ValueError(f"{origin!r} is not an origin like https://host[:port] (no path, no *)")
    return origin


def _proxy(proxy: str) -> str:
    if proxy != "*":
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ValueError(f"{proxy!r} is not an IP address, a network or *") from None
    return proxy


def _app_url(url: str) -> str:
    # The base of every mailed link (docs/api.md "Account recovery and email verification").
    app = urlsplit(url)
    if app.scheme not in {"http", "https"} or not app.hostname or app.query or app.fragment:
        raise ValueError(f"APP_URL: {url!r} is not a URL like https://app.example.com")
    return url


def _smtp_url(url: str) -> str:
    if url:
        SmtpEndpoint.parse(url)  # its ValueError never echoes the URL: it may hold a password
    return url


def _redis_url(url: str) -> str:
    if url and urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
        raise ValueError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
    return url


# A comma-separated list in one variable; NoDecode keeps pydantic-settings from reading it as JSON.
Origins = Annotated[tuple[Annotated[str, AfterValidator(_exact_origin)], ...], NoDecode]
Proxies = Annotated[tuple[Annotated[str, AfterValidator(_proxy)], ...], NoDecode]


class Settings(BaseSettings):
    """Every setting of the service; `Settings.from_env()` reads and checks them at start-up."""

    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=True,
        env_ignore_empty=True,
        str_strip_whitespace=True,
        populate_by_name=True,
        extra="forbid",
    )

    app_env: AppEnv = Field(
        default="development",
        validation_alias="APP_ENV",
        description="production refuses missing AUTH_KEYS and AUTH_COOKIE_SECURE=false",
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias="DATABASE_URL",
        repr=False,
        description="SQLAlchemy async URL",
    )
    db_pool_size: int = Field(
        default=15,
        ge=1,
        validation_alias="DB_POOL_SIZE",
        # Overflow connections are closed on return, so a pool smaller than the load opens a
        # new connection per burst (docs/performance.md).
        description="PostgreSQL connections each process keeps open",
    )
    db_max_overflow: int = Field(
        default=5,
        ge=0,
        validation_alias="DB_MAX_OVERFLOW",
        description="PostgreSQL connections each process may open beyond the pool",
    )
    host: str = Field(
        default="127.0.0.1", validation_alias="HOST", description="where serve listens"
    )
    port: int = Field(default=8000, ge=1, le=65535, validation_alias="PORT", description="its port")
    auth_keys: str = Field(
        default="",
        validation_alias="AUTH_KEYS",
        repr=False,
        validate_default=True,
        description="comma-separated kid:secret; generated once in development",
    )
    issuer: str = Field(default="hexauth", validation_alias="AUTH_ISSUER", description="JWT iss")
    audience: str = Field(
        default="hexauth-api", validation_alias="AUTH_AUDIENCE", description="JWT aud"
    )
    access_ttl: int = Field(
        default=900,
        ge=1,
        validation_alias="AUTH_ACCESS_TTL",
        description="access token lifetime, s",
    )
    refresh_ttl: int = Field(
        default=1_209_600,
        ge=1,
        validation_alias="AUTH_REFRESH_TTL",
        description="a session ends after this long without a refresh, s",
    )
    session_max_age: int = Field(
        default=2_592_000,
        ge=1,
        validation_alias="AUTH_SESSION_MAX_AGE",
        description="a session ends this long after login in any case, s",
    )
    refresh_reuse_grace: int = Field(
        default=5,
        ge=0,
        le=MAX_REUSE_GRACE,
        validation_alias="AUTH_REFRESH_REUSE_GRACE",
        description="s in which a just-rotated token is refused without revoking the session",
    )
    mfa_token_ttl: int = Field(
        default=300,
        ge=1,
        validation_alias="AUTH_MFA_TOKEN_TTL",
        description="how long an mfa_token waits for its code, s",
    )
    totp_issuer: str = Field(
        default="hexauth",
        min_length=1,
        validation_alias="TOTP_ISSUER",
        description="the issuer authenticator apps show",
    )
    cookie_secure: bool = Field(
        default=True,
        validation_alias="AUTH_COOKIE_SECURE",
        validate_default=True,
        description="Secure and the __Secure- prefix on the refresh cookie",
    )
    password_min_length: int = Field(
        default=15,
        ge=NIST_MINIMUM_LENGTH,
        le=1024,
        validation_alias="AUTH_PASSWORD_MIN_LENGTH",
        description="minimum password length in code points",
    )
    cors_allowed_origins: Origins = Field(
        default=(),
        validation_alias="CORS_ALLOWED_ORIGINS",
        description="origins allowed to call with credentials",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        validation_alias="AUTH_LOGIN_MAX_FAILURES",
        description="failed logins per (email, client IP) per window",
    )
    login_window: int = Field(
        default=900, ge=1, validation_alias="AUTH_LOGIN_WINDOW", description="login window, s"
    )
    login_max_failures_per_ip: int = Field(
        default=100,
        ge=1,
        validation_alias="AUTH_LOGIN_MAX_FAILURES_PER_IP",
        description="failed logins per client IP per window, all emails together",
    )
    register_max_per_ip: int = Field(
        default=20,
        ge=1,
        validation_alias="AUTH_REGISTER_MAX_PER_IP",
        description="registrations per client IP per hour",
    )
    forwarded_allow_ips: Proxies = Field(
        default=(),
        validation_alias="FORWARDED_ALLOW_IPS",
        description="proxies whose X-Forwarded-* headers are believed",
    )
    redis_url: Annotated[str, AfterValidator(_redis_url)] = Field(
        default="",
        validation_alias="REDIS_URL",
        repr=False,
        description="when set, rate-limit counters live in Redis",
    )
    argon2_time_cost: int = Field(
        default=3, ge=1, validation_alias="ARGON2_TIME_COST", description="argon2id passes"
    )
    argon2_parallelism: int = Field(
        default=4, ge=1, validation_alias="ARGON2_PARALLELISM", description="argon2id lanes"
    )
    argon2_memory_kib: int = Field(
        default=65536,
        ge=8,
        validation_alias="ARGON2_MEMORY_KIB",
        description="argon2id memory, KiB",
    )
    web_app_dir: str = Field(
        default="",
        validation_alias="WEB_APP_DIR",
        description="the built browser app (clients/web/dist), served at `/`; empty serves none",
    )
    argon2_queue_timeout: int = Field(
        default=3,
        ge=1,
        validation_alias="ARGON2_QUEUE_TIMEOUT",
        description="seconds a hash may wait for a free thread before the request is refused (503)",
    )
    argon2_threads: int = Field(
        default=0,
        ge=0,
        validation_alias="ARGON2_THREADS",
        description="hashes at once per process; 0: usable CPUs / ARGON2_PARALLELISM, at least 1",
    )
    app_url: Annotated[str, AfterValidator(_app_url)] = Field(
        default="http://127.0.0.1:8000",
        validation_alias="APP_URL",
        description="the base of the links in mail (its /reset-password and /verify-email pages)",
    )
    smtp_url: Annotated[str, AfterValidator(_smtp_url)] = Field(
        default="",
        validation_alias="SMTP_URL",
        repr=False,
        validate_default=True,
        description="smtp:// (STARTTLS) or smtps:// (implicit TLS); empty writes .eml files",
    )
    mail_from: str = Field(
        default="hexauth <no-reply@localhost>",
        validation_alias="MAIL_FROM",
        description="the From of every mail",
    )
    reset_ttl: int = Field(
        default=1800,
        ge=60,
        validation_alias="AUTH_RESET_TTL",
        description="password reset link lifetime, s",
    )
    verify_ttl: int = Field(
        default=172_800,
        ge=60,
        validation_alias="AUTH_VERIFY_TTL",
        description="email verification link lifetime, s",
    )
    require_verified_email: bool = Field(
        default=False,
        validation_alias="AUTH_REQUIRE_VERIFIED_EMAIL",
        description="login refuses an unverified email (403 email-unverified)",
    )
    reset_max_per_hour: int = Field(
        default=3,
        ge=1,
        validation_alias="AUTH_RESET_MAX_PER_HOUR",
        description="reset mails per account per hour, whatever the client IPs",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        validation_alias="METRICS_HOST",
        description="where production serves /metrics, on a listener of its own",
    )
    metrics_port: int = Field(
        default=9100,
        ge=1,
        le=65535,
        validation_alias="METRICS_PORT",
        description="its port; the API's listener answers 404 on /metrics in production",
    )

    webauthn_rp_id: str = Field(
        default="",
        validation_alias="WEBAUTHN_RP_ID",
        description="the passkeys' relying party ID; empty: the host of APP_URL "
        "(localhost when that host is an IP address)",
    )
    webauthn_rp_name: str = Field(
        default="hexauth",
        min_length=1,
        validation_alias="WEBAUTHN_RP_NAME",
        description="the relying party's name, as authenticators show it",
    )
    webauthn_origins: Origins = Field(
        default=(),
        validation_alias="WEBAUTHN_ORIGINS",
        description="the origins a passkey ceremony may come from; empty: the origin of APP_URL",
    )

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def relying_party_id(self) -> str:
        """WEBAUTHN_RP_ID, else the host of APP_URL: browsers refuse an IP address as an RP ID
        (an RP ID is a domain, WebAuthn L3 "RP ID"), so an address there gives `localhost`."""
        if self.webauthn_rp_id:
            return self.webauthn_rp_id
        host = urlsplit(self.app_url).hostname or "localhost"
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return host
        return "localhost"

    @property
    def relying_party_origins(self) -> tuple[str, ...]:
        """WEBAUTHN_ORIGINS, else the origin of APP_URL (its scheme, host and port)."""
        if self.webauthn_origins:
            return self.webauthn_origins
        app = urlsplit(self.app_url)
        return (f"{app.scheme}://{app.netloc.rsplit('@', 1)[-1].lower()}",)

    @field_validator(
        "cors_allowed_origins", "forwarded_allow_ips", "webauthn_origins", mode="before"
    )
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value

    @field_validator("auth_keys")
    @classmethod
    def _keys_in_production(cls, value: str, info: ValidationInfo) -> str:
        if not value and info.data.get("app_env") == "production":
            raise ValueError("AUTH_KEYS is required when APP_ENV=production")
        if value:
            KeyRing.parse(value)  # its ValueError names the entry, never the secret
        return value

    @field_validator("cookie_secure")
    @classmethod
    def _secure_cookie_in_production(cls, value: bool, info: ValidationInfo) -> bool:
        if not value and info.data.get("app_env") == "production":
            raise ValueError("AUTH_COOKIE_SECURE=false is refused when APP_ENV=production")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_in_production(cls, value: str, info: ValidationInfo) -> str:
        if not value and info.data.get("app_env") == "production":
            raise ValueError("SMTP_URL is required when APP_ENV=production")
        return value

    @field_validator("web_app_dir")
    @classmethod
    def _built_web_app(cls, value: str) -> str:
        if value and not (Path(value) / "index.html").is_file():
            raise ValueError("WEB_APP_DIR must be a built app: a folder holding index.html")
        return value

    @field_validator("argon2_memory_kib")
    @classmethod
    def _memory_per_lane(cls, value: int, info: ValidationInfo) -> int:
        if value < 8 * info.data.get("argon2_parallelism", 1):
            raise ValueError("ARGON2_MEMORY_KIB must be at least 8 x ARGON2_PARALLELISM")
        return value

    @classmethod
    def from_env(cls, data_dir: Path = DATA_DIR) -> Settings:
        """Read and check every variable; raise SettingsError listing all problems at once.

        In development, missing AUTH_KEYS are generated once and kept in `data_dir` (mode 0600).
        """
        try:
            settings = cls()
        except ValidationError as error:
            raise SettingsError([_problem(detail) for detail in error.errors()]) from None
        if settings.auth_keys:
            return settings
        return settings.model_copy(update={"auth_keys": _development_keys(data_dir)})


def env_names() -> dict[str, str]:
    """Each setting's environment variable, by field name."""
    return {name: str(field.validation_alias) for name, field in Settings.model_fields.items()}


def _problem(detail: ErrorDetails) -> str:
    """One line per problem, naming the variable; never the value of a secret."""
    # A default is validated under its field name, a variable's value under the variable's.
    name = str(detail["loc"][0])
    name = env_names().get(name, name)
    value = detail["input"]
    kind = detail["type"]
    context = detail.get("ctx", {})
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"{name} must be a whole number, not {value!r}"
    if kind == "bool_parsing":
        return f"{name} must be true or false, not {value!r}"
    if kind == "literal_error":
        return f"{name} must be one of {', '.join(get_args(AppEnv))}, not {value!r}"
    if kind == "greater_than_equal":
        return f"{name} must be at least {context['ge']}, not {value}"
    if kind == "less_than_equal":
        return f"{name} must be at most {context['le']}, not {value}"
    if kind == "value_error":
        message = str(context["error"])
        return message if message.startswith(name) else f"{name}: {message}"
    return f"{name}: {detail['msg']}"


def _development_keys(data_dir: Path) -> str:
    """Generate a key once and keep it, so restarting the dev server keeps everyone signed in."""
    path = data_dir / DEV_KEYS_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(new_key_entry() + "\n")
        log.warning("AUTH_KEYS is not set: generated a development key in %s", path)
    else:
        log.warning("AUTH_KEYS is not set: using the development key in %s", path)
    return path.read_text().strip()
