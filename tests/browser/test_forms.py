"""What the API refuses, the forms show: field errors, and the wait after too many attempts."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import SHORT_LIVED
from tests.browser.pages import an_email, app_url, open_signed_out, sign_up, submit
from tests.e2e.processes import Server


def test_field_errors_are_shown_next_to_their_field(browser: Browser, server: Server):
    page = open_signed_out(browser.new_page(), app_url(server.port))

    submit(page, "sign-up", "not-an-email")

    expect(page.locator('[data-testid="field-error"][data-field="email"]')).to_be_visible()
    expect(page.get_by_test_id("error")).not_to_be_empty()
    expect(page.get_by_test_id("signed-out")).to_be_visible()
    page.close()


def test_too_many_failed_sign_ins_show_how_long_to_wait(browser: Browser, server: Server):
    page = open_signed_out(browser.new_page(), app_url(server.port))
    email = an_email()
    allowed = int(SHORT_LIVED["AUTH_LOGIN_MAX_FAILURES"])

    for _ in range(allowed):
        with page.expect_response(lambda r: r.url.endswith("/auth/login")) as answered:
            submit(page, "sign-in", email, "not the password at all")
        assert answered.value.status == 401
        expect(page.get_by_test_id("error")).not_to_be_empty()
        expect(page.get_by_test_id("retry-after")).to_have_count(0)
    with page.expect_response(lambda r: r.url.endswith("/auth/login")) as answered:
        submit(page, "sign-in", email, "not the password at all")

    assert answered.value.status == 429
    wait = answered.value.headers["retry-after"]
    shown = page.get_by_test_id("retry-after")
    expect(shown).to_have_attribute("data-seconds", wait)
    expect(shown).to_contain_text(f"{wait} seconds")
    page.close()


def test_a_wrong_current_password_is_shown_and_keeps_the_user_signed_in(
    browser: Browser, server: Server
):
    page = browser.new_page()
    email = an_email()
    sign_up(page, app_url(server.port), email)

    page.get_by_test_id("current-password").fill("not the password at all")
    page.get_by_test_id("new-password").fill("a brand new passphrase of mine")
    with page.expect_response(lambda r: r.url.endswith("/auth/password")) as answered:
        page.get_by_test_id("change-password").click()

    assert answered.value.status == 403
    expect(page.get_by_test_id("error")).to_have_text(answered.value.json()["detail"])
    expect(page.get_by_test_id("signed-in-as")).to_have_text(email)
    page.close()
