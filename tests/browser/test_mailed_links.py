"""The mailed links, followed in Chromium: forgot → mail → reset, and sign-up → mail → verify.

The service runs without SMTP_URL, so (in development) it writes each mail as an `.eml` file
under `.data/outbox/` of its working directory; APP_URL is the served app's own origin, so the
links open the app. The outbox sender passes every 2 s: a mail is there within a few seconds.
"""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import NamedTuple

import pytest
from playwright.sync_api import Browser, Page, expect

from adapters.mail.eml_files import DEFAULT_OUTBOX_FOLDER
from tests.browser.conftest import app_served
from tests.browser.pages import (
    PASSWORD,
    an_email,
    app_url,
    open_signed_out,
    sign_up,
    signed_in_as,
    submit,
)
from tests.e2e.processes import Server
from tests.e2e.served import free_port
from tests.smtp_server import LINK

NEW_PASSWORD = "a brand new passphrase of mine"
MAIL_TIMEOUT = 15.0


class Served(NamedTuple):
    server: Server
    outbox: Path

    @property
    def port(self) -> int:
        return self.server.port


@pytest.fixture(scope="module")
def served(web_app_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = free_port()  # APP_URL must name it before the service starts
    cwd = tmp_path_factory.mktemp("mailed-links")
    origin = app_url(port).rstrip("/")
    with app_served(web_app_dir, cwd, port, APP_URL=origin, SMTP_URL="") as server:
        yield Served(server, cwd / DEFAULT_OUTBOX_FOLDER)


def mailed_links(served: Served, to: str, page: str) -> list[str]:
    """The `page` links in the plain-text bodies of the mails written so far to `to`."""
    links: list[str] = []
    for path in sorted(served.outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if message["To"] != to:
            continue
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        links += [link for link in LINK.findall(body.get_content()) if f"/{page}#token=" in link]
    return links


def mailed_link(served: Served, to: str, page: str) -> str:
    deadline = time.monotonic() + MAIL_TIMEOUT
    while not (links := mailed_links(served, to, page)):
        if time.monotonic() > deadline:
            raise AssertionError(f"no /{page} link mailed to {to} within {MAIL_TIMEOUT} s")
        time.sleep(0.1)
    return links[0]


def sign_in_answers(page: Page, email_address: str, password: str) -> int:
    with page.expect_response(lambda r: r.url.endswith("/auth/login")) as answered:
        submit(page, "sign-in", email_address, password)
    return answered.value.status


def test_a_forgotten_password_is_reset_from_the_mailed_link(browser: Browser, served: Served):
    url = app_url(served.port)
    user = an_email()
    page = browser.new_page()
    sign_up(page, url, user)
    page.get_by_test_id("sign-out").click()
    page.get_by_test_id("signed-out").wait_for()

    page.get_by_test_id("email").fill(user)
    with page.expect_response(lambda r: r.url.endswith("/auth/password/forgot")) as answered:
        page.get_by_test_id("forgot-password").click()
    assert answered.value.status == 202
    expect(page.get_by_test_id("forgot-sent")).to_contain_text(user)

    link = mailed_link(served, user, "reset-password")
    assert link.startswith(f"{url}reset-password#token=")
    page.goto(link)
    expect(page.get_by_test_id("new-password")).to_be_visible()
    assert page.url == f"{url}reset-password"  # the token left the address bar
    page.get_by_test_id("new-password").fill(NEW_PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/auth/password/reset")) as answered:
        page.get_by_test_id("reset-password").click()
    assert answered.value.status == 204
    expect(page.get_by_test_id("reset-done")).to_be_visible()

    page.goto(url)
    page.goto(link)  # a link works once
    page.get_by_test_id("new-password").fill("yet another passphrase of mine")
    page.get_by_test_id("reset-password").click()
    expect(page.get_by_test_id("error")).to_have_attribute("data-slug", "invalid-link")

    open_signed_out(page, url)
    assert sign_in_answers(page, user, PASSWORD) == 401
    assert sign_in_answers(page, user, NEW_PASSWORD) == 200
    signed_in_as(page, user)
    page.close()


def test_the_mailed_verification_link_verifies_the_email(browser: Browser, served: Served):
    url = app_url(served.port)
    user = an_email()
    page = browser.new_page()
    sign_up(page, url, user)
    status = page.get_by_test_id("email-verified-status")
    expect(status).to_have_attribute("data-verified", "false")
    with page.expect_response(lambda r: r.url.endswith("/auth/email/verify/send")) as answered:
        page.get_by_test_id("send-verification").click()
    assert answered.value.status == 202
    expect(page.get_by_test_id("verification-sent")).to_be_visible()

    link = mailed_link(served, user, "verify-email")  # sign-up's, or the one just asked for
    assert link.startswith(f"{url}verify-email#token=")
    with page.expect_response(lambda r: r.url.endswith("/auth/email/verify")) as answered:
        page.goto(link)
    assert answered.value.status == 204
    expect(page.get_by_test_id("email-verified")).to_be_visible()
    assert page.url == f"{url}verify-email"  # the token left the address bar

    page.get_by_test_id("back-home").click()
    signed_in_as(page, user)
    expect(status).to_have_attribute("data-verified", "true")
    expect(page.get_by_test_id("send-verification")).to_have_count(0)
    page.close()


def test_a_link_page_without_its_token_says_the_link_is_incomplete(
    browser: Browser, served: Served
):
    page = browser.new_page()

    page.goto(f"{app_url(served.port)}verify-email")
    expect(page.get_by_test_id("error")).to_have_attribute("data-slug", "invalid-link")
    page.goto(f"{app_url(served.port)}reset-password#token=")
    expect(page.get_by_test_id("error")).to_have_attribute("data-slug", "invalid-link")
    expect(page.get_by_test_id("new-password")).to_have_count(0)
    page.close()
