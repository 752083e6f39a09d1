"""WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and WEBAUTHN_ORIGINS, and the defaults derived from APP_URL."""

from __future__ import annotations

import pytest

from entrypoints.settings import SettingsError


def test_by_default_the_relying_party_is_localhost_at_the_default_app_urls_origin(settings_from):
    settings = settings_from({})

    assert settings.relying_party_id == "localhost"  # 127.0.0.1: browsers refuse an address
    assert settings.relying_party_origins == ("http://127.0.0.1:8000",)
    assert settings.webauthn_rp_name == "hexauth"


@pytest.mark.parametrize(
    ("app_url", "rp_id", "origin"),
    [
        ("https://App.Example.com", "app.example.com", "https://app.example.com"),
        ("http://localhost:5173", "localhost", "http://localhost:5173"),
        ("https://[2001:db8::1]:8443", "localhost", "https://[2001:db8::1]:8443"),
    ],
)
def test_the_relying_party_follows_app_url_unless_named(settings_from, app_url, rp_id, origin):
    derived = settings_from({"APP_URL": app_url})
    named = settings_from(
        {
            "APP_URL": app_url,
            "WEBAUTHN_RP_ID": "example.com",
            "WEBAUTHN_ORIGINS": "https://a.example.com, https://b.example.com",
        }
    )

    assert (derived.relying_party_id, derived.relying_party_origins) == (rp_id, (origin,))
    assert named.relying_party_id == "example.com"
    assert named.relying_party_origins == ("https://a.example.com", "https://b.example.com")


@pytest.mark.parametrize("origin", ["*", "https://app.example.com/login", "app.example.com"])
def test_a_webauthn_origin_must_be_an_exact_origin(settings_from, origin):
    with pytest.raises(SettingsError) as refused:
        settings_from({"WEBAUTHN_ORIGINS": origin})

    [problem] = refused.value.problems
    assert problem.startswith("WEBAUTHN_ORIGINS:")
