"""The service as a user runs it: the `hexauth` command, real processes, real HTTP."""

from __future__ import annotations

import httpx

from adapters.tokens.keys import KeyRing, SigningKeyRing
from tests.e2e.served import hexauth, serving

PASSWORD = "correct horse battery staple"
CSRF = {"X-Requested-With": "XMLHttpRequest"}
COOKIE = "__Secure-refresh_token"


def refresh_cookie(response: httpx.Response) -> str:
    header = response.headers["set-cookie"]
    assert header.startswith(f"{COOKIE}=")
    return header.split(";", 1)[0].split("=", 1)[1]


def test_keys_new_prints_an_entry_auth_keys_accepts(tmp_path):
    result = hexauth("keys", "new", "--kid", "2026a", env={}, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    entry = result.stdout.strip()
    assert entry.startswith("2026a:")
    assert KeyRing.parse(entry).current.kid == "2026a"


def test_keys_new_signing_prints_an_entry_auth_signing_keys_accepts(tmp_path):
    result = hexauth("keys", "new", "--signing", "--kid", "sig1", env={}, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    entry = result.stdout.strip()
    assert entry.startswith("sig1:")
    assert SigningKeyRing.parse(entry).current.kid == "sig1"


def test_an_unknown_access_token_format_stops_the_command_before_it_serves(tmp_path):
    result = hexauth("serve", env={"AUTH_ACCESS_TOKEN_FORMAT": "paseto"}, cwd=tmp_path)

    assert result.returncode == 2
    assert "AUTH_ACCESS_TOKEN_FORMAT must be one of jwe, jws, not 'paseto'" in result.stderr


def test_production_refuses_to_start_with_insecure_settings(tmp_path):
    result = hexauth(
        "serve", env={"APP_ENV": "production", "AUTH_COOKIE_SECURE": "false"}, cwd=tmp_path
    )

    assert result.returncode == 2
    assert "AUTH_KEYS is required when APP_ENV=production" in result.stderr
    assert "AUTH_COOKIE_SECURE=false is refused when APP_ENV=production" in result.stderr


def test_the_default_setup_migrates_sqlite_and_serves_the_whole_flow(tmp_path):
    assert hexauth("migrate", env={}, cwd=tmp_path).returncode == 0
    assert (tmp_path / ".data" / "hexauth.db").exists()

    with serving({}, cwd=tmp_path) as base_url, httpx.Client(base_url=base_url) as client:
        registered = client.post(
            "/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert registered.status_code == 201
        first = refresh_cookie(registered)
        access = registered.json()["access_token"]
        me = client.get("/users/me", headers={"Authorization": f"Bearer {access}"})
        assert me.json()["email"] == "ada@example.com"

        refreshed = client.post("/auth/refresh", headers={**CSRF, "Cookie": f"{COOKIE}={first}"})
        assert refreshed.status_code == 200
        second = refresh_cookie(refreshed)
        assert second != first

        logout = client.post("/auth/logout", headers={**CSRF, "Cookie": f"{COOKIE}={second}"})
        assert logout.status_code == 204
        assert "Max-Age=0" in logout.headers["set-cookie"]
        after = client.post("/auth/refresh", headers={**CSRF, "Cookie": f"{COOKIE}={second}"})
        assert after.status_code == 401

    key_file = tmp_path / ".data" / "auth_keys"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


# Two processes on one PostgreSQL racing refreshes: test_races_across_processes.py.
