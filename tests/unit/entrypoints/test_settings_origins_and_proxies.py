"""CORS_ALLOWED_ORIGINS, FORWARDED_ALLOW_IPS and REDIS_URL are checked at start-up."""

from __future__ import annotations

import pytest

from entrypoints.settings import SettingsError


def test_origins_and_proxies_are_read_as_lists(settings_from, tmp_path):
    settings = settings_from(
        {
            "CORS_ALLOWED_ORIGINS": "https://app.example.com, http://localhost:5173",
            "FORWARDED_ALLOW_IPS": "10.0.0.0/8, 192.0.2.5, ::1, *",
        },
        data_dir=tmp_path,
    )

    assert settings.cors_allowed_origins == ("https://app.example.com", "http://localhost:5173")
    assert settings.forwarded_allow_ips == ("10.0.0.0/8", "192.0.2.5", "::1", "*")


@pytest.mark.parametrize(
    "origin",
    ["*", "https://*.example.com", "app.example.com", "https://app.example.com/", "ftp://x.test"],
)
def test_an_allowed_origin_must_be_an_exact_origin(settings_from, origin):
    with pytest.raises(SettingsError) as refused:
        settings_from({"CORS_ALLOWED_ORIGINS": origin})

    [problem] = refused.value.problems
    assert problem.startswith("CORS_ALLOWED_ORIGINS:")
    assert repr(origin) in problem


@pytest.mark.parametrize("proxy", ["localhost", "10.0.0.0/33", "proxy.internal"])
def test_a_trusted_proxy_must_be_an_address_or_a_network(settings_from, proxy):
    with pytest.raises(SettingsError) as refused:
        settings_from({"FORWARDED_ALLOW_IPS": proxy})

    assert refused.value.problems == [
        f"FORWARDED_ALLOW_IPS: {proxy!r} is not an IP address, a network or *"
    ]
