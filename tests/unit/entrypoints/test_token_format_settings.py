"""AUTH_ACCESS_TOKEN_FORMAT and AUTH_SIGNING_KEYS (docs/api.md "Configuration")."""

from __future__ import annotations

import base64
import stat

import pytest

from adapters.tokens.keys import SigningKeyRing, new_key_entry, new_signing_key_entry
from entrypoints.settings import SettingsError

PRODUCTION = {"APP_ENV": "production", "AUTH_KEYS": new_key_entry("k"), "SMTP_URL": "smtp://mail"}
SHORT_SEED = base64.urlsafe_b64encode(b"s" * 31).rstrip(b"=").decode()


def test_access_tokens_are_encrypted_by_default_and_need_no_signing_keys(settings_from, tmp_path):
    settings = settings_from({})

    assert settings.access_token_format == "jwe"
    assert not settings.signs_access_tokens
    assert settings.signing_keys == ""
    assert not (tmp_path / "signing_keys").exists()


def test_an_unknown_format_is_refused_in_every_environment(settings_from):
    for environ in ({}, PRODUCTION):
        with pytest.raises(SettingsError) as raised:
            settings_from({**environ, "AUTH_ACCESS_TOKEN_FORMAT": "jwt"})

        assert raised.value.problems == [
            "AUTH_ACCESS_TOKEN_FORMAT must be one of jwe, jws, not 'jwt'"
        ]


def test_production_refuses_jws_without_signing_keys(settings_from, tmp_path):
    with pytest.raises(SettingsError) as raised:
        settings_from({**PRODUCTION, "AUTH_ACCESS_TOKEN_FORMAT": "jws"})

    assert raised.value.problems == [
        "AUTH_SIGNING_KEYS is required when APP_ENV=production and AUTH_ACCESS_TOKEN_FORMAT=jws"
    ]
    assert not (tmp_path / "signing_keys").exists()


def test_production_starts_with_jws_and_signing_keys(settings_from):
    entries = f"{new_signing_key_entry('new')},{new_signing_key_entry('old')}"

    settings = settings_from(
        {**PRODUCTION, "AUTH_ACCESS_TOKEN_FORMAT": "jws", "AUTH_SIGNING_KEYS": entries}
    )

    assert settings.signs_access_tokens
    assert SigningKeyRing.parse(settings.signing_keys).kids == ("new", "old")


@pytest.mark.parametrize("environ", [{}, PRODUCTION], ids=["development", "production"])
@pytest.mark.parametrize("token_format", ["jwe", "jws"])
def test_a_seed_that_is_not_32_bytes_is_refused_without_echoing_it(
    settings_from, environ, token_format
):
    with pytest.raises(SettingsError) as raised:
        settings_from(
            {
                **environ,
                "AUTH_ACCESS_TOKEN_FORMAT": token_format,
                "AUTH_SIGNING_KEYS": f"s1:{SHORT_SEED}",
            }
        )

    assert len(raised.value.problems) == 1
    assert raised.value.problems[0].startswith("AUTH_SIGNING_KEYS: kid 's1'")
    assert "exactly 32" in raised.value.problems[0]
    assert SHORT_SEED not in str(raised.value)


def test_development_signing_keys_are_generated_once_with_mode_0600(settings_from, tmp_path):
    first = settings_from({"AUTH_ACCESS_TOKEN_FORMAT": "jws"})
    second = settings_from({"AUTH_ACCESS_TOKEN_FORMAT": "jws"})

    key_file = tmp_path / "signing_keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.signing_keys == second.signing_keys == key_file.read_text().strip()
    assert len(SigningKeyRing.parse(first.signing_keys).kids) == 1


def test_a_generated_signing_key_is_announced_by_one_warning(settings_from, caplog):
    with caplog.at_level("WARNING", logger="hexauth.settings"):
        settings_from({"AUTH_ACCESS_TOKEN_FORMAT": "jws", "AUTH_KEYS": new_key_entry("k")})

    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "AUTH_SIGNING_KEYS is not set"
    ]


def test_the_settings_repr_shows_no_signing_seed(settings_from):
    entry = new_signing_key_entry("s")

    settings = settings_from({"AUTH_ACCESS_TOKEN_FORMAT": "jws", "AUTH_SIGNING_KEYS": entry})

    assert entry.split(":")[1] not in repr(settings)
