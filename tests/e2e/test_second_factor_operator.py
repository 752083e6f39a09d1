"""`hexauth users mfa-reset EMAIL`, and account deletion taking the second factor with it."""

from __future__ import annotations

import pytest

from tests.e2e.backstage import sql
from tests.e2e.conftest import CSRF, PASSWORD, bearer, cookie_value, refresh, register, use_cookie
from tests.e2e.served import hexauth
from tests.e2e.test_second_factor import EMAIL, enable, login, login_mfa, mfa_token
from tests.second_factor_steps import code_at


@pytest.fixture
def operator(database_url, tmp_path):
    def run(*args: str):
        return hexauth(*args, env={"DATABASE_URL": database_url}, cwd=tmp_path)

    return run


def second_factor_rows(client, container) -> list[int]:
    return [
        int(sql(client, container, f"SELECT count(*) FROM {table}")[0][0])
        for table in ("totp_factors", "recovery_codes", "mfa_challenges")
    ]


def test_mfa_reset_removes_totp_and_ends_every_session_and_token(
    operator, client, container, clock
):
    signed = register(client)
    enable(client, clock, signed)
    pending_token = mfa_token(client)

    done = operator("users", "mfa-reset", EMAIL)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"removed TOTP and recovery codes of {EMAIL}; revoked 1 session")
    assert client.get("/users/me", headers=bearer(signed)).status_code == 401
    use_cookie(client, cookie_value(signed))
    assert refresh(client).status_code == 401
    assert login_mfa(client, {"mfa_token": pending_token, "code": "123456"}).status_code == 401
    signed_in = login(client)
    assert signed_in.status_code == 200, signed_in.text
    status = client.get("/auth/mfa", headers=bearer(signed_in)).json()
    assert status == {"totp": False, "recovery_codes_left": 0, "passkeys": 0}


def test_mfa_reset_of_an_unknown_email_is_refused(operator, client):
    done = operator("users", "mfa-reset", "nobody@example.com")

    assert done.returncode == 1
    assert "no account has the email nobody@example.com" in done.stderr


def test_deleting_the_account_removes_its_second_factor(client, container, clock):
    signed = register(client)
    secret, _ = enable(client, clock, signed)
    mfa_token(client)
    assert second_factor_rows(client, container) == [1, 10, 1]

    missing = client.request(
        "DELETE", "/users/me", json={"password": PASSWORD}, headers=bearer(signed)
    )
    deleted = client.request(
        "DELETE",
        "/users/me",
        json={"password": PASSWORD, "code": code_at(secret, clock.now())},
        headers={**bearer(signed), **CSRF},
    )

    assert missing.status_code == 403
    assert deleted.status_code == 204, deleted.text
    assert second_factor_rows(client, container) == [0, 0, 0]
