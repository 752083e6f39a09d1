"""Passkeys in Chromium, made and used by a virtual authenticator (DevTools protocol, WebAuthn
domain): added from the account page with the password, then a sign-in without it.

WebAuthn needs the relying party's ID to be the page's host, so the app is served and opened on
`localhost` (an IP address is never an RP ID) with WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, CDPSession, Page, expect

from tests.browser.authenticator_app import turn_on_totp
from tests.browser.conftest import app_served
from tests.browser.pages import (
    PASSWORD,
    an_email,
    app_url,
    open_signed_out,
    sign_out,
    sign_up,
    signed_in_as,
)
from tests.e2e.processes import Server
from tests.e2e.served import free_port


@pytest.fixture(scope="module")
def served(web_app_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()  # the origin must be named before the service starts
    origin = app_url(port, host="localhost").rstrip("/")
    cwd = tmp_path_factory.mktemp("passkeys")
    env = {"APP_URL": origin, "WEBAUTHN_RP_ID": "localhost", "WEBAUTHN_ORIGINS": origin}
    with app_served(web_app_dir, cwd, port, **env) as server:
        yield server


def with_a_platform_authenticator(page: Page) -> CDPSession:
    """A passkey-capable authenticator built into this page's "device": it keeps discoverable
    credentials and verifies its user (as a fingerprint reader would) without asking."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return devtools


def add_passkey(page: Page, name: str, code: str | None = None) -> None:
    page.get_by_test_id("passkey-name").fill(name)
    page.get_by_test_id("passkey-password").fill(PASSWORD)
    if code is not None:
        page.get_by_test_id("passkey-code").fill(code)
    with page.expect_response(lambda r: r.url.endswith("/auth/passkeys/register")) as answered:
        page.get_by_test_id("passkey-add").click()
    assert answered.value.status == 201


def sign_in_with_passkey(page: Page, url: str) -> int:
    open_signed_out(page, url)
    with page.expect_response(lambda r: r.url.endswith("/auth/passkeys/login")) as answered:
        page.get_by_test_id("passkey-sign-in").click()
    return answered.value.status


def test_a_passkey_added_on_this_device_signs_in_without_the_password(
    browser: Browser, served: Server
):
    context = browser.new_context()
    page, url, email = context.new_page(), app_url(served.port), an_email()
    with_a_platform_authenticator(page)
    sign_up(page, url, email)
    expect(page.get_by_test_id("passkey-code")).to_have_count(0)  # no TOTP: the password only

    add_passkey(page, "Laptop")
    expect(page.get_by_test_id("passkey")).to_have_count(1)
    expect(page.get_by_test_id("passkey")).to_contain_text("Laptop")
    sign_out(page)

    assert sign_in_with_passkey(page, url) == 200
    signed_in_as(page, email)
    expect(page.get_by_test_id("error")).to_have_count(0)
    this_session = page.locator('[data-testid="session"][data-current="true"]')
    expect(this_session).to_have_attribute("data-amr", "hwk user mfa")
    context.close()


def test_a_removed_passkey_no_longer_signs_in(browser: Browser, served: Server):
    context = browser.new_context()
    page, url, email = context.new_page(), app_url(served.port), an_email()
    with_a_platform_authenticator(page)
    sign_up(page, url, email)
    add_passkey(page, "Laptop")

    page.get_by_test_id("passkey").get_by_test_id("passkey-remove").click()
    expect(page.get_by_test_id("passkey")).to_have_count(0)
    sign_out(page)

    assert sign_in_with_passkey(page, url) == 401  # the authenticator still holds it
    expect(page.get_by_test_id("error")).to_have_attribute("data-slug", "invalid-credentials")
    expect(page.get_by_test_id("signed-out")).to_be_visible()
    context.close()


def test_with_totp_a_passkey_needs_a_code_to_add_and_none_to_sign_in(
    browser: Browser, served: Server
):
    context = browser.new_context()
    page, url, email = context.new_page(), app_url(served.port), an_email()
    with_a_platform_authenticator(page)
    sign_up(page, url, email)
    totp = turn_on_totp(page)

    page.get_by_test_id("passkey-password").fill(PASSWORD)
    page.get_by_test_id("passkey-add").click()
    expect(page.get_by_test_id("error")).to_have_attribute("data-slug", "invalid-credentials")
    add_passkey(page, "Phone", code=totp.app.code())
    expect(page.get_by_test_id("passkey")).to_contain_text("Phone")
    sign_out(page)

    assert sign_in_with_passkey(page, url) == 200
    signed_in_as(page, email)  # no second step: a passkey is multi-factor (docs/api.md "amr")
    context.close()
