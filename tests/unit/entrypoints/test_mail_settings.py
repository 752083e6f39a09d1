"""The mail and link settings (docs/api.md "Configuration")."""

import pytest

from entrypoints.settings import SettingsError

PASSWORD_IN_URL = "s3cret-pass"


def test_mail_and_link_defaults_follow_the_contract(settings_from):
    settings = settings_from({})

    assert settings.app_url == "http://127.0.0.1:8000"
    assert (settings.smtp_url, settings.mail_from) == ("", "hexauth <no-reply@localhost>")
    assert (settings.reset_ttl, settings.verify_ttl) == (1800, 172_800)
    assert settings.require_verified_email is False


def test_mail_settings_are_read_from_the_environment(settings_from):
    settings = settings_from(
        {
            "APP_URL": "https://app.example.com",
            "SMTP_URL": "smtps://mailer:pw@mail.example.com:465",
            "MAIL_FROM": "Acme <auth@example.com>",
            "AUTH_RESET_TTL": "600",
            "AUTH_VERIFY_TTL": "3600",
            "AUTH_REQUIRE_VERIFIED_EMAIL": "true",
        }
    )

    assert settings.app_url == "https://app.example.com"
    assert settings.smtp_url == "smtps://mailer:pw@mail.example.com:465"
    assert settings.mail_from == "Acme <auth@example.com>"
    assert (settings.reset_ttl, settings.verify_ttl) == (600, 3600)
    assert settings.require_verified_email is True


def test_bad_mail_settings_are_refused_without_echoing_a_password(settings_from):
    with pytest.raises(SettingsError) as raised:
        settings_from(
            {
                "APP_URL": "app.example.com",
                "SMTP_URL": f"http://user:{PASSWORD_IN_URL}@mail.example.com",
                "AUTH_RESET_TTL": "0",
            }
        )

    problems = raised.value.problems
    assert any(p.startswith("APP_URL") for p in problems)
    assert any(p.startswith("SMTP_URL") for p in problems)
    assert any(p.startswith("AUTH_RESET_TTL") for p in problems)
    assert PASSWORD_IN_URL not in str(raised.value)


def test_production_refuses_to_start_without_smtp(settings_from):
    with pytest.raises(SettingsError) as raised:
        settings_from({"APP_ENV": "production"})

    assert "SMTP_URL is required when APP_ENV=production" in raised.value.problems


def test_the_settings_repr_never_shows_the_smtp_url(settings_from):
    settings = settings_from({"SMTP_URL": f"smtps://mailer:{PASSWORD_IN_URL}@mail.example.com"})

    assert PASSWORD_IN_URL not in repr(settings)
