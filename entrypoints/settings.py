"""Configuration from the environment, validated once at start-up (API.md "Configuration")."""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from adapters.mail.smtp_sender import SmtpEndpoint
from adapters.tokens.keys import KeyRing, new_key_entry
from domain.password import NIST_MINIMUM_LENGTH

log = logging.getLogger("hexauth.settings")

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./.data/hexauth.db"
DATA_DIR = Path(".data")
DEV_KEYS_FILE = "auth_keys"

_T = TypeVar("_T")


class SettingsError(Exception):
    """Every problem found in the environment, one clear message each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Settings:
    app_env: str = "development"
    database_url: str = DEFAULT_DATABASE_URL
    db_pool_size: int = 15
    """Kept open under steady load: overflow connections are closed on return, so a pool
    smaller than the load opens a new connection per burst (docs/performance.md)."""
    db_max_overflow: int = 5
    host: str = "127.0.0.1"
    port: int = 8000
    auth_keys: str = ""
    issuer: str = "hexauth"
    audience: str = "hexauth-api"
    access_ttl: int = 900
    refresh_ttl: int = 1_209_600
    session_max_age: int = 2_592_000
    refresh_reuse_grace: int = 5
    cookie_secure: bool = True
    password_min_length: int = 15
    cors_allowed_origins: tuple[str, ...] = ()
    login_max_failures: int = 5
    login_window: int = 900
    login_max_failures_per_ip: int = 100
    register_max_per_ip: int = 20
    forwarded_allow_ips: tuple[str, ...] = ()
    redis_url: str = ""
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    app_url: str = "http://127.0.0.1:8000"
    smtp_url: str = ""
    mail_from: str = "hexauth <no-reply@localhost>"
    reset_ttl: int = 1800
    verify_ttl: int = 172_800
    require_verified_email: bool = False

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, data_dir: Path = DATA_DIR
    ) -> Settings:
        """Read and check every variable; raise SettingsError listing all problems at once.

        In development, missing AUTH_KEYS are generated once and kept in `data_dir` (mode 0600).
        """
        env = os.environ if environ is None else environ
        reader = _Reader(env)
        app_env = reader.choice("APP_ENV", "development", ("development", "production"))
        settings = cls(
            app_env=app_env,
            database_url=reader.text("DATABASE_URL", DEFAULT_DATABASE_URL),
            db_pool_size=reader.integer("DB_POOL_SIZE", 15, minimum=1),
            db_max_overflow=reader.integer("DB_MAX_OVERFLOW", 5, minimum=0),
            host=reader.text("HOST", "127.0.0.1"),
            port=reader.integer("PORT", 8000, minimum=1, maximum=65535),
            auth_keys=reader.text("AUTH_KEYS", ""),
            issuer=reader.text("AUTH_ISSUER", "hexauth"),
            audience=reader.text("AUTH_AUDIENCE", "hexauth-api"),
            access_ttl=reader.integer("AUTH_ACCESS_TTL", 900, minimum=1),
            refresh_ttl=reader.integer("AUTH_REFRESH_TTL", 1_209_600, minimum=1),
            session_max_age=reader.integer("AUTH_SESSION_MAX_AGE", 2_592_000, minimum=1),
            refresh_reuse_grace=reader.integer("AUTH_REFRESH_REUSE_GRACE", 5, minimum=0),
            cookie_secure=reader.boolean("AUTH_COOKIE_SECURE", True),
            password_min_length=reader.integer(
                "AUTH_PASSWORD_MIN_LENGTH", 15, minimum=NIST_MINIMUM_LENGTH, maximum=1024
            ),
            cors_allowed_origins=reader.items("CORS_ALLOWED_ORIGINS"),
            login_max_failures=reader.integer("AUTH_LOGIN_MAX_FAILURES", 5, minimum=1),
            login_window=reader.integer("AUTH_LOGIN_WINDOW", 900, minimum=1),
            login_max_failures_per_ip=reader.integer(
                "AUTH_LOGIN_MAX_FAILURES_PER_IP", 100, minimum=1
            ),
            register_max_per_ip=reader.integer("AUTH_REGISTER_MAX_PER_IP", 20, minimum=1),
            forwarded_allow_ips=reader.items("FORWARDED_ALLOW_IPS"),
            redis_url=reader.text("REDIS_URL", ""),
            argon2_time_cost=reader.integer("ARGON2_TIME_COST", 3, minimum=1),
            argon2_memory_kib=reader.integer("ARGON2_MEMORY_KIB", 65536, minimum=8),
            argon2_parallelism=reader.integer("ARGON2_PARALLELISM", 4, minimum=1),
            app_url=reader.text("APP_URL", "http://127.0.0.1:8000"),
            smtp_url=reader.text("SMTP_URL", ""),
            mail_from=reader.text("MAIL_FROM", "hexauth <no-reply@localhost>"),
            reset_ttl=reader.integer("AUTH_RESET_TTL", 1800, minimum=60),
            verify_ttl=reader.integer("AUTH_VERIFY_TTL", 172_800, minimum=60),
            require_verified_email=reader.boolean("AUTH_REQUIRE_VERIFIED_EMAIL", False),
        )
        problems = reader.problems
        if settings.is_production:
            if not settings.auth_keys:
                problems.append("AUTH_KEYS is required when APP_ENV=production")
            if not settings.cookie_secure:
                problems.append("AUTH_COOKIE_SECURE=false is refused when APP_ENV=production")
            if not settings.smtp_url:
                problems.append("SMTP_URL is required when APP_ENV=production")
        if settings.argon2_memory_kib < 8 * settings.argon2_parallelism:
            problems.append("ARGON2_MEMORY_KIB must be at least 8 x ARGON2_PARALLELISM")
        problems += _network_problems(settings)
        problems += _mail_problems(settings)
        if settings.auth_keys:
            try:
                KeyRing.parse(settings.auth_keys)
            except ValueError as error:
                problems.append(f"AUTH_KEYS: {error}")
        if problems:
            raise SettingsError(problems)
        if not settings.auth_keys:
            settings = _with_development_keys(settings, data_dir)
        return settings


def _with_development_keys(settings: Settings, data_dir: Path) -> Settings:
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
    return replace(settings, auth_keys=path.read_text().strip())


class _Reader:
    """Reads typed values and collects a message per bad one instead of stopping at the first."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self.problems: list[str] = []

    def text(self, name: str, default: str) -> str:
        return self._env.get(name, "").strip() or default

    def items(self, name: str) -> tuple[str, ...]:
        return tuple(item.strip() for item in self._env.get(name, "").split(",") if item.strip())

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name, default)
        if value not in allowed:
            self.problems.append(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
            return default
        return value

    def integer(
        self, name: str, default: int, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self._parse(name, default, int, "a whole number")
        if minimum is not None and value < minimum:
            self.problems.append(f"{name} must be at least {minimum}, not {value}")
        if maximum is not None and value > maximum:
            self.problems.append(f"{name} must be at most {maximum}, not {value}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        return self._parse(name, default, _parse_bool, "true or false")

    def _parse(self, name: str, default: _T, parse: Callable[[str], _T], expected: str) -> _T:
        raw = self._env.get(name, "").strip()
        if not raw:
            return default
        try:
            return parse(raw)
        except ValueError:
            self.problems.append(f"{name} must be {expected}, not {raw!r}")
            return default


def _parse_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


_REDIS_SCHEMES = {"redis", "rediss", "unix"}


def _network_problems(settings: Settings) -> list[str]:
    """CORS_ALLOWED_ORIGINS, FORWARDED_ALLOW_IPS and REDIS_URL, checked before any use."""
    problems = []
    if settings.redis_url and urlsplit(settings.redis_url).scheme not in _REDIS_SCHEMES:
        problems.append("REDIS_URL must be a redis://, rediss:// or unix:// URL")
    for origin in settings.cors_allowed_origins:
        # "*" with credentials would let any site read token responses; list origins instead.
        # Exactly as browsers send Origin (no path, no trailing slash), or CORS never matches.
        try:
            parts = urlsplit(origin)
            _ = parts.port
        except ValueError:
            parts = urlsplit("")
        if parts.scheme not in {"http", "https"} or not parts.hostname or "*" in origin:
            problems.append(f"CORS_ALLOWED_ORIGINS: {origin!r} is not an origin like https://host")
        elif parts.path or parts.query or parts.fragment or parts.username is not None:
            problems.append(f"CORS_ALLOWED_ORIGINS: {origin!r} must be scheme://host[:port] only")
    for proxy in settings.forwarded_allow_ips:
        if proxy == "*":
            continue
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            problems.append(f"FORWARDED_ALLOW_IPS: {proxy!r} is not an IP address, a network or *")
    return problems


def _mail_problems(settings: Settings) -> list[str]:
    """APP_URL (the base of mailed links) and SMTP_URL, checked before any mail is queued."""
    problems = []
    app = urlsplit(settings.app_url)
    if app.scheme not in {"http", "https"} or not app.hostname or app.query or app.fragment:
        problems.append(f"APP_URL: {settings.app_url!r} is not a URL like https://app.example.com")
    if settings.smtp_url:
        try:
            SmtpEndpoint.parse(settings.smtp_url)
        except ValueError as error:  # the message never echoes the URL: it may hold a password
            problems.append(str(error))
    return problems
