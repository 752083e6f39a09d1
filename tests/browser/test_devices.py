"""Two devices (two browser contexts, each its own cookie jar) on one account."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import SHORT_LIVED
from tests.browser.pages import PASSWORD, an_email, app_url, is_refresh, sign_in, sign_up
from tests.e2e.processes import Server


def test_revoking_another_devices_session_signs_it_out_at_its_next_refresh(
    browser: Browser, server: Server
):
    laptop, phone = browser.new_context(), browser.new_context()
    on_laptop, on_phone = laptop.new_page(), phone.new_page()
    email = an_email()
    sign_up(on_laptop, app_url(server.port), email)
    sign_in(on_phone, app_url(server.port), email)
    phone_refreshes: list[int] = []
    on_phone.on("response", lambda r: phone_refreshes.append(r.status) if is_refresh(r) else None)

    on_laptop.get_by_test_id("reload-sessions").click()
    sessions = on_laptop.get_by_test_id("session")
    expect(sessions).to_have_count(2)
    expect(on_laptop.locator('[data-testid="session"][data-current="true"]')).to_have_count(1)
    on_laptop.locator('[data-testid="session"][data-current="false"]').get_by_test_id(
        "revoke"
    ).click()
    expect(sessions).to_have_count(1)

    next_refresh_ms = int(SHORT_LIVED["AUTH_ACCESS_TTL"]) * 1000 + 2_000
    expect(on_phone.get_by_test_id("signed-out")).to_be_visible(timeout=next_refresh_ms)
    assert phone_refreshes[-1] == 401
    expect(on_laptop.get_by_test_id("signed-in-as")).to_have_text(email)
    on_laptop.get_by_test_id("reload-profile").click()
    expect(on_laptop.get_by_test_id("error")).to_have_count(0)
    laptop.close()
    phone.close()


def test_changing_the_password_keeps_this_device_and_ends_the_others(
    browser: Browser, server: Server
):
    laptop, phone = browser.new_context(), browser.new_context()
    on_laptop, on_phone = laptop.new_page(), phone.new_page()
    email = an_email()
    sign_up(on_laptop, app_url(server.port), email)
    sign_in(on_phone, app_url(server.port), email)

    on_laptop.get_by_test_id("current-password").fill(PASSWORD)
    on_laptop.get_by_test_id("new-password").fill("a brand new passphrase of mine")
    on_laptop.get_by_test_id("change-password").click()

    expect(on_laptop.get_by_test_id("password-changed")).to_be_visible()
    expect(on_laptop.get_by_test_id("session")).to_have_count(1)
    next_refresh_ms = int(SHORT_LIVED["AUTH_ACCESS_TTL"]) * 1000 + 2_000
    expect(on_phone.get_by_test_id("signed-out")).to_be_visible(timeout=next_refresh_ms)
    on_laptop.reload()
    expect(on_laptop.get_by_test_id("signed-in-as")).to_have_text(email)
    laptop.close()
    phone.close()


def test_signing_out_everywhere_signs_out_every_device(browser: Browser, server: Server):
    laptop, phone = browser.new_context(), browser.new_context()
    on_laptop, on_phone = laptop.new_page(), phone.new_page()
    email = an_email()
    sign_up(on_laptop, app_url(server.port), email)
    sign_in(on_phone, app_url(server.port), email)

    on_phone.get_by_test_id("sign-out-everywhere").click()

    expect(on_phone.get_by_test_id("signed-out")).to_be_visible()
    next_refresh_ms = int(SHORT_LIVED["AUTH_ACCESS_TTL"]) * 1000 + 2_000
    expect(on_laptop.get_by_test_id("signed-out")).to_be_visible(timeout=next_refresh_ms)
    laptop.close()
    phone.close()
