"""TOTP in Chromium: turned on from the account page, then asked for at sign-in, where a recovery
code can stand in; the code is asked for again to change the password, renew the recovery codes,
turn TOTP off, and delete the account (docs/api.md "Second factor")."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.authenticator_app import turn_on_totp
from tests.browser.pages import (
    PASSWORD,
    an_email,
    app_url,
    open_signed_out,
    sign_in,
    sign_out,
    sign_up,
    signed_in_as,
    submit,
)
from tests.e2e.processes import Server

NEW_PASSWORD = "a brand new passphrase of mine"


def password_step(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in with the password, up to the second step."""
    open_signed_out(page, url)
    with page.expect_response(lambda r: r.url.endswith("/auth/login")) as answered:
        submit(page, "sign-in", email, password)
    assert answered.value.status == 403
    assert answered.value.json()["methods"] == ["totp", "recovery_code"]
    page.get_by_test_id("mfa-code").wait_for()
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)


def test_sign_in_asks_for_the_code_or_a_recovery_code_once_totp_is_on(
    browser: Browser, server: Server
):
    page, url, email = browser.new_page(), app_url(server.port), an_email()
    sign_up(page, url, email)
    totp = turn_on_totp(page)
    assert len(totp.recovery_codes) == len(set(totp.recovery_codes)) == 10
    sign_out(page)

    password_step(page, url, email)
    page.get_by_test_id("mfa-code").fill("000000")
    page.get_by_test_id("mfa-submit").click()
    expect(page.get_by_test_id("error")).to_have_attribute("data-slug", "invalid-credentials")
    page.get_by_test_id("mfa-code").fill(totp.app.code())
    page.get_by_test_id("mfa-submit").click()
    signed_in_as(page, email)
    this_session = page.locator('[data-testid="session"][data-current="true"]')
    expect(this_session).to_have_attribute("data-amr", "pwd otp mfa")
    sign_out(page)

    password_step(page, url, email)
    page.get_by_test_id("mfa-recovery-code").fill(totp.recovery_codes[0].lower())
    page.get_by_test_id("mfa-submit").click()
    signed_in_as(page, email)
    expect(page.get_by_test_id("totp-status")).to_have_attribute("data-recovery-codes-left", "9")
    expect(page.get_by_test_id("totp-secret")).to_have_count(0)  # shown once, at set-up
    page.close()


def test_changing_the_password_asks_for_the_code(browser: Browser, server: Server):
    page, url, email = browser.new_page(), app_url(server.port), an_email()
    sign_up(page, url, email)
    totp = turn_on_totp(page)

    page.get_by_test_id("current-password").fill(PASSWORD)
    page.get_by_test_id("new-password").fill(NEW_PASSWORD)
    page.get_by_test_id("change-password").click()
    expect(page.get_by_test_id("error")).to_have_attribute("data-slug", "invalid-credentials")
    page.get_by_test_id("change-password-code").fill(totp.app.code())
    page.get_by_test_id("change-password").click()

    expect(page.get_by_test_id("password-changed")).to_be_visible()
    sign_out(page)
    password_step(page, url, email, NEW_PASSWORD)
    page.get_by_test_id("mfa-recovery-code").fill(totp.recovery_codes[0])
    page.get_by_test_id("mfa-submit").click()
    signed_in_as(page, email)
    page.close()


def test_new_recovery_codes_replace_the_old_and_turning_totp_off_needs_the_code(
    browser: Browser, server: Server
):
    page, url, email = browser.new_page(), app_url(server.port), an_email()
    sign_up(page, url, email)
    totp = turn_on_totp(page)
    page.get_by_test_id("recovery-codes-saved").click()
    expect(page.get_by_test_id("recovery-codes")).to_have_count(0)

    page.get_by_test_id("totp-password").fill(PASSWORD)
    page.get_by_test_id("totp-code").fill(totp.recovery_codes[0])  # a recovery code stands in
    page.get_by_test_id("recovery-codes-new").click()
    renewed = page.get_by_test_id("recovery-code")
    expect(renewed).to_have_count(10)
    assert set(renewed.all_inner_texts()).isdisjoint(totp.recovery_codes)
    page.get_by_test_id("totp-password").fill(PASSWORD)
    page.get_by_test_id("totp-code").fill(totp.app.code())
    page.get_by_test_id("totp-remove").click()

    status = page.get_by_test_id("totp-status")
    expect(status).to_have_attribute("data-enabled", "false")
    sign_out(page)
    sign_in(page, url, email)  # the password alone again
    page.close()


def test_deleting_an_account_with_totp_asks_for_the_code(browser: Browser, server: Server):
    page, url, email = browser.new_page(), app_url(server.port), an_email()
    sign_up(page, url, email)
    totp = turn_on_totp(page)

    page.get_by_test_id("delete-account-password").fill(PASSWORD)
    page.get_by_test_id("delete-account").click()
    expect(page.get_by_test_id("error")).to_have_attribute("data-slug", "invalid-credentials")
    page.get_by_test_id("delete-account-code").fill(totp.recovery_codes[1])
    page.get_by_test_id("delete-account").click()

    page.get_by_test_id("signed-out").wait_for()
    submit(page, "sign-in", email)
    expect(page.get_by_test_id("error")).to_have_attribute("data-slug", "invalid-credentials")
    page.close()
