from __future__ import annotations

import stat

import pytest

from adapters.tokens.keys import new_key_entry
from entrypoints.settings import SettingsError

SHORT_SECRET = "k1:" + "A" * 20  # 15 bytes once decoded


def test_defaults_follow_the_contract(settings_from):
    settings = settings_from({})

    assert settings.database_url == "sqlite+aiosqlite:///./.data/hexauth.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert (settings.access_ttl, settings.refresh_ttl) == (900, 1_209_600)
    assert (settings.session_max_age, settings.refresh_reuse_grace) == (2_592_000, 5)
    assert settings.cookie_secure is True
    assert settings.password_min_length == 15
    assert settings.forwarded_allow_ips == ()


def test_development_keys_are_generated_once_with_mode_0600(settings_from, tmp_path):
    first = settings_from({})
    second = settings_from({})

    key_file = tmp_path / "auth_keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.auth_keys == second.auth_keys == key_file.read_text().strip()


def test_production_refuses_each_insecure_setting_with_its_own_message(settings_from, tmp_path):
    with pytest.raises(SettingsError) as raised:
        settings_from({"APP_ENV": "production", "AUTH_COOKIE_SECURE": "false"})

    assert raised.value.problems == [
        "AUTH_KEYS is required when APP_ENV=production",
        "AUTH_COOKIE_SECURE=false is refused when APP_ENV=production",
        "SMTP_URL is required when APP_ENV=production",
    ]
    assert not (tmp_path / "auth_keys").exists()


def test_a_short_secret_is_refused_without_echoing_it(settings_from):
    with pytest.raises(SettingsError) as raised:
        settings_from(
            {"APP_ENV": "production", "AUTH_KEYS": SHORT_SECRET, "SMTP_URL": "smtp://mail"}
        )

    assert len(raised.value.problems) == 1
    assert raised.value.problems[0].startswith("AUTH_KEYS")
    assert SHORT_SECRET.split(":")[1] not in str(raised.value)


def test_production_starts_with_proper_keys(settings_from):
    keys = f"{new_key_entry('new')},{new_key_entry('old')}"

    settings = settings_from(
        {"APP_ENV": "production", "AUTH_KEYS": keys, "SMTP_URL": "smtps://mail.example.com"}
    )

    assert settings.auth_keys == keys


def test_every_bad_value_is_reported_at_once(settings_from, tmp_path):
    with pytest.raises(SettingsError) as raised:
        settings_from(
            {
                "PORT": "eighty",
                "AUTH_PASSWORD_MIN_LENGTH": "7",
                "AUTH_COOKIE_SECURE": "maybe",
                "APP_ENV": "staging",
            },
            tmp_path,
        )

    problems = "\n".join(raised.value.problems)
    assert len(raised.value.problems) == 4
    assert "PORT must be a whole number" in problems
    assert "AUTH_PASSWORD_MIN_LENGTH must be at least 8" in problems
    assert "AUTH_COOKIE_SECURE must be true or false" in problems
    assert "APP_ENV must be one of development, production" in problems


def test_lists_are_comma_separated_and_trimmed(settings_from, tmp_path):
    settings = settings_from(
        {
            "CORS_ALLOWED_ORIGINS": " https://a.example , https://b.example,",
            "FORWARDED_ALLOW_IPS": "10.0.0.1",
        },
        tmp_path,
    )

    assert settings.cors_allowed_origins == ("https://a.example", "https://b.example")
    assert settings.forwarded_allow_ips == ("10.0.0.1",)


def test_the_refresh_reuse_grace_is_at_most_sixty_seconds(settings_from):
    assert settings_from({"AUTH_REFRESH_REUSE_GRACE": "60"}).refresh_reuse_grace == 60

    with pytest.raises(SettingsError) as raised:
        settings_from({"AUTH_REFRESH_REUSE_GRACE": "61"})

    assert raised.value.problems == ["AUTH_REFRESH_REUSE_GRACE must be at most 60, not 61"]


def test_a_development_key_is_announced_by_one_warning(settings_from, caplog):
    with caplog.at_level("WARNING", logger="hexauth.settings"):
        settings_from({})

    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["AUTH_KEYS is not set"]


def test_the_settings_repr_shows_no_key_and_no_url(settings_from):
    keys = new_key_entry("k")
    settings = settings_from(
        {"AUTH_KEYS": keys, "DATABASE_URL": "postgresql+asyncpg://app:pw@db/hexauth"}
    )

    assert keys.split(":")[1] not in repr(settings)
    assert "pw@" not in repr(settings)
