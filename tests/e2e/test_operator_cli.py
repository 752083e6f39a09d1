"""`hexauth users ...` and `hexauth sessions prune` as an operator runs them: real processes on
the same database (SQLite and PostgreSQL) that the app under test serves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.backstage import sql
from tests.e2e.conftest import CSRF, PASSWORD, bearer, cookie_value, refresh, register, use_cookie
from tests.e2e.served import hexauth
from tests.e2e.test_register_and_login import assert_problem

GRACE = "grace@example.com"
ADA = "ada@example.com"


@pytest.fixture
def operator(database_url, tmp_path):
    def run(*args: str, stdin: str = ""):
        return hexauth(*args, env={"DATABASE_URL": database_url}, cwd=tmp_path, stdin=stdin)

    return run


def login(client, email: str, password: str = PASSWORD):
    return client.post("/auth/login", json={"email": email, "password": password})


def session_count(client, container) -> int:
    [(count,)] = sql(client, container, "SELECT count(*) FROM refresh_sessions")
    return int(count)


def test_users_create_reads_the_password_from_stdin_and_the_account_signs_in(
    operator, client, container
):
    done = operator("users", "create", " Grace@Example.com", stdin=PASSWORD + "\n")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"created {GRACE} (id ")
    assert PASSWORD not in done.stdout + done.stderr
    assert session_count(client, container) == 0  # nobody was signed in
    assert login(client, GRACE).status_code == 200


def test_users_commands_refuse_a_weak_password_a_taken_email_and_an_unknown_one(operator, client):
    register(client, email=GRACE)

    weak = operator("users", "create", "new@example.com", stdin="short\n")
    taken = operator("users", "create", "GRACE@example.com", stdin=PASSWORD + "\n")
    unknown = operator("users", "disable", "nobody@example.com")

    assert (weak.returncode, taken.returncode, unknown.returncode) == (1, 1, 1)
    assert weak.stderr.endswith("hexauth: password: use at least 15 characters\n")
    assert taken.stderr.endswith(f"hexauth: an account with the email {GRACE} already exists\n")
    assert unknown.stderr.endswith("hexauth: no account has the email nobody@example.com\n")
    assert_problem(login(client, "new@example.com", "short"), 401, "invalid-credentials")
    assert login(client, GRACE).status_code == 200


def test_users_disable_locks_the_account_out_and_enable_lets_it_sign_in_again(operator, client):
    registered = register(client)

    disabled = operator("users", "disable", ADA)

    assert disabled.returncode == 0, disabled.stderr
    assert disabled.stdout.strip() == f"disabled {ADA}; revoked 1 session"
    assert_problem(login(client, ADA), 403, "account-disabled")
    assert_problem(refresh(client), 401, "invalid-token")
    assert_problem(client.get("/users/me", headers=bearer(registered)), 401, "invalid-token")

    enabled = operator("users", "enable", ADA)

    assert enabled.returncode == 0, enabled.stderr
    assert enabled.stdout.strip() == f"enabled {ADA}"
    assert login(client, ADA).status_code == 200
    use_cookie(client, cookie_value(registered))
    assert_problem(refresh(client), 401, "invalid-token")  # its sessions stay revoked


def test_sessions_prune_deletes_sessions_dead_for_longer_than_asked(
    operator, client, container, clock
):
    real_now = datetime.now(UTC).replace(microsecond=0)

    def logged_out_at(moment: datetime, email: str) -> str:
        clock.current = moment
        cookie = cookie_value(register(client, email=email))
        use_cookie(client, cookie)
        assert client.post("/auth/logout", headers=CSRF).status_code == 204
        return cookie

    logged_out_at(real_now - timedelta(days=60), "old@example.com")
    logged_out_at(real_now - timedelta(days=10), "recent@example.com")
    clock.current = real_now
    live = cookie_value(register(client))

    by_default = operator("sessions", "prune")
    within_a_week = operator("sessions", "prune", "--older-than", "7")

    assert by_default.returncode == 0, by_default.stderr
    assert by_default.stdout.strip() == "pruned 1 session dead for over 30 days"
    assert within_a_week.stdout.strip() == "pruned 1 session dead for over 7 days"
    assert session_count(client, container) == 1
    use_cookie(client, live)
    assert refresh(client).status_code == 200


def test_sessions_prune_refuses_a_negative_age(sqlite_database_url, tmp_path):
    done = hexauth(
        "sessions",
        "prune",
        "--older-than",
        "-1",
        env={"DATABASE_URL": sqlite_database_url},
        cwd=tmp_path,
    )

    assert done.returncode == 2
    assert "DAYS must not be negative" in done.stderr


def test_a_database_without_the_schema_is_reported_with_a_hint(tmp_path):
    done = hexauth(
        "users",
        "disable",
        ADA,
        env={"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"},
        cwd=tmp_path,
    )

    assert done.returncode == 1
    assert "has `hexauth migrate` run?" in done.stderr
    assert "Traceback" not in done.stderr


def test_users_verify_marks_the_email_verified_once(operator, client):
    registered = register(client, email=GRACE)

    done = operator("users", "verify", GRACE)
    again = operator("users", "verify", GRACE)

    assert (done.returncode, done.stdout.strip()) == (0, f"verified {GRACE}")
    assert again.stdout.strip() == f"{GRACE} was already verified"
    assert client.get("/users/me", headers=bearer(registered)).json()["email_verified"] is True


def test_users_delete_removes_the_account_and_its_tokens_stop_working(operator, client):
    registered = register(client, email=GRACE)

    done = operator("users", "delete", GRACE)
    unknown = operator("users", "delete", GRACE)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"deleted {GRACE} (id ")
    assert_problem(client.get("/users/me", headers=bearer(registered)), 401, "invalid-token")
    assert_problem(login(client, GRACE), 401, "invalid-credentials")
    assert unknown.returncode == 1
    assert f"no account has the email {GRACE}" in unknown.stderr


def test_mail_test_writes_an_eml_file_without_smtp_and_reports_a_dead_server(
    database_url, tmp_path
):
    written = hexauth(
        "mail", "test", "Ops@Example.com", env={"DATABASE_URL": database_url}, cwd=tmp_path
    )
    dead = hexauth(
        "mail",
        "test",
        "ops@example.com",
        env={"DATABASE_URL": database_url, "SMTP_URL": "smtp://127.0.0.1:9"},
        cwd=tmp_path,
    )

    assert written.returncode == 0, written.stderr
    assert "sent a test mail to ops@example.com as an .eml file" in written.stdout
    assert len(list((tmp_path / ".data" / "outbox").glob("*.eml"))) == 1
    assert dead.returncode == 1
    assert "the mail server did not take the mail" in dead.stderr
