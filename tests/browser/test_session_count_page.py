"""The `/sessions` page: how many devices the account is signed in on."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.pages import an_email, app_url, sign_in, sign_up
from tests.e2e.processes import Server


def test_the_sessions_page_counts_each_signed_in_device(browser: Browser, server: Server):
    laptop, phone = browser.new_context(), browser.new_context()
    on_laptop, on_phone = laptop.new_page(), phone.new_page()
    email = an_email()
    sign_up(on_laptop, app_url(server.port), email)

    on_laptop.goto(app_url(server.port) + "sessions")
    expect(on_laptop.get_by_test_id("session-count")).to_have_text("1")

    sign_in(on_phone, app_url(server.port), email)
    on_laptop.reload()
    expect(on_laptop.get_by_test_id("session-count")).to_have_text("2")
    laptop.close()
    phone.close()
