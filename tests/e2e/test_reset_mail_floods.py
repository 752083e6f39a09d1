"""Reset mail that no flood can delay or cancel (docs/api.md "Login throttling", "Account recovery
and email verification"), tried as an attacker would: through the app, behind a trusted proxy,
with the app's own outbox sender delivering to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dependency_injector import providers

from adapters.mail.smtp_sender import SmtpEndpoint, SmtpMailSender
from entrypoints.container import Container
from entrypoints.http.app import create_app
from tests.e2e.conftest import PASSWORD, register, settings_for
from tests.e2e.peers import PeerTestClient
from tests.smtp_server import SmtpServer, smtp_server

PROXY = "10.0.0.2"
ADA = "ada@example.com"
NEW_PASSWORD = "a brand new passphrase for ada"
MAIL_DEADLINE = 5.0  # seconds from a real account's 202 to its mail at SMTP (docs/api.md)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with smtp_server(tmp_path) as server:
        yield server


@pytest.fixture
def proxied(container: Container, database_url: str, smtp: SmtpServer) -> Iterator[PeerTestClient]:
    """The app as it runs, its outbox loop included, behind a proxy listed in
    FORWARDED_ALLOW_IPS, sending over SMTP."""
    sender = SmtpMailSender(
        SmtpEndpoint.parse(smtp.url),
        "hexauth <no-reply@localhost>",
        tls_context=smtp.client_tls,
        timeout=2,
    )
    container.mail_sender.override(providers.Object(sender))
    container.settings.override(
        providers.Object(
            settings_for(
                database_url,
                app_url="https://app.example.com",
                forwarded_allow_ips=("10.0.0.0/24",),
            )
        )
    )
    with PeerTestClient(create_app(container), peer=PROXY) as client:
        yield client


def forgot(client: PeerTestClient, email: str, client_ip: str) -> int:
    response = client.post(
        "/auth/password/forgot", json={"email": email}, headers={"X-Forwarded-For": client_ip}
    )
    return response.status_code


def reset_links(smtp: SmtpServer) -> list[str]:
    return [link for link in smtp.inbox.links_to(ADA) if "/reset-password#token=" in link]


def wait_for(condition: Callable[[], bool], what: str, patience: float) -> float:
    """Wait for `condition`; return how long it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < patience, f"gave up waiting for {what}"
        time.sleep(0.01)
    return time.monotonic() - started


def test_a_flood_of_unknown_addresses_does_not_hold_up_a_real_accounts_reset_mail(
    proxied: PeerTestClient, smtp: SmtpServer
) -> None:
    register(proxied, ADA)
    wait_for(lambda: len(smtp.inbox.messages) == 1, "the verification mail", MAIL_DEADLINE)

    for n in range(300):  # one request from each of 300 addresses: no throttle is reached
        assert forgot(proxied, f"nobody{n}@example.com", f"198.51.{n // 250}.{n % 250}") == 202
    assert forgot(proxied, ADA, "203.0.113.7") == 202
    waited = wait_for(lambda: len(reset_links(smtp)) == 1, "Ada's reset mail", MAIL_DEADLINE)

    print(f"reset mail at SMTP {waited:.2f} s after its 202, behind 300 unknown requests")
    assert [message["To"] for message in smtp.inbox.messages] == [ADA, ADA]


def test_thirty_networks_asking_for_one_account_get_three_mails_and_cancel_nothing(
    proxied: PeerTestClient, smtp: SmtpServer
) -> None:
    register(proxied, ADA)
    for n in range(30):  # 30 IPv6 /64s: no per-client limit is reached
        assert forgot(proxied, ADA, f"2001:db8:{n:x}::1") == 202
    wait_for(lambda: len(reset_links(smtp)) >= 3, "three reset mails", MAIL_DEADLINE)
    # The loop has answered every request once the queue is empty; nothing more goes out.
    wait_for(lambda: _queued(proxied) == 0, "the reset requests answered", MAIL_DEADLINE)
    wait_for(lambda: _outbox_depth(proxied) == 0, "the outbox emptied", MAIL_DEADLINE)

    first, second, third = (link.split("#token=", 1)[1] for link in reset_links(smtp))
    assert len(reset_links(smtp)) == 3
    assert _reset(proxied, first, NEW_PASSWORD) == 204  # the first link still works
    assert _reset(proxied, second, "yet another passphrase here") == 400  # using one killed all
    assert _reset(proxied, third, "yet another passphrase here") == 400
    login = {"email": ADA, "password": NEW_PASSWORD}
    assert proxied.post("/auth/login", json=login).status_code == 200
    login_old = {"email": ADA, "password": PASSWORD}
    assert proxied.post("/auth/login", json=login_old).status_code == 401


def _reset(client: PeerTestClient, token: str, new_password: str) -> int:
    body = {"token": token, "new_password": new_password}
    return client.post("/auth/password/reset", json=body).status_code


def _gauge(client: PeerTestClient, name: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"{name} is not in /metrics")


def _queued(client: PeerTestClient) -> float:
    return _gauge(client, "hexauth_reset_requests_queued")


def _outbox_depth(client: PeerTestClient) -> float:
    return _gauge(client, "hexauth_mail_outbox_depth")
