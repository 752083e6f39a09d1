"""Two tabs of one browser share one refresh cookie: they never race it, and follow each other."""

from __future__ import annotations

import os
from collections import Counter

from playwright.sync_api import Browser, Page, Response, expect

from tests.browser.pages import an_email, app_url, sign_up, signed_in_as
from tests.e2e.processes import Server

SOAK_SECONDS = float(os.environ.get("HEXAUTH_BROWSER_SOAK_SECONDS", "30"))

# Test instrumentation, injected into each tab: ask the API every 100 ms (through the app's own
# button, so through the auth client) and count every moment the tab showed itself signed out.
POLL = """() => {
    const seen = { clicks: 0, signedOut: 0 };
    const timer = setInterval(() => {
        if (document.querySelector('[data-testid="signed-out"]')) seen.signedOut += 1;
        const button = document.querySelector('[data-testid="reload-profile"]');
        if (button) { button.click(); seen.clicks += 1; }
    }, 100);
    window.stopPolling = () => { clearInterval(timer); return seen; };
}"""


def watch(page: Page, statuses: Counter[tuple[str, int]]) -> None:
    def record(response: Response) -> None:
        path = response.url.split("://", 1)[1].split("/", 1)[1]
        if path in {"auth/refresh", "users/me"}:
            statuses[(path, response.status)] += 1

    page.on("response", record)


def test_two_tabs_calling_the_api_for_a_while_never_sign_out(browser: Browser, server: Server):
    context = browser.new_context()
    statuses: Counter[tuple[str, int]] = Counter()
    first, second = context.new_page(), context.new_page()
    email = an_email()
    sign_up(first, app_url(server.port), email)  # after a start-up refresh refused: no cookie yet
    second.goto(app_url(server.port))
    signed_in_as(second, email)

    for page in (first, second):
        watch(page, statuses)
        page.evaluate(POLL)
    first.wait_for_timeout(SOAK_SECONDS * 1000)
    seen = [page.evaluate("window.stopPolling()") for page in (first, second)]

    assert [tab["signedOut"] for tab in seen] == [0, 0]
    assert all(tab["clicks"] > SOAK_SECONDS * 2 for tab in seen), seen
    refreshes = {status: n for (path, status), n in statuses.items() if path == "auth/refresh"}
    calls = {status: n for (path, status), n in statuses.items() if path == "users/me"}
    # A 3 s token is refreshed about every 2 s in each tab; a refresh token presented twice
    # would be reuse (no grace window here): a 401, and both tabs signed out.
    assert set(refreshes) == {200}, refreshes
    assert refreshes[200] >= SOAK_SECONDS / 3, refreshes
    assert set(calls) == {200}, calls
    first.get_by_test_id("reload-sessions").click()
    expect(first.get_by_test_id("session")).to_have_count(1)
    context.close()


def test_signing_out_in_one_tab_signs_out_the_other(browser: Browser, server: Server):
    context = browser.new_context()
    first, second = context.new_page(), context.new_page()
    email = an_email()
    sign_up(first, app_url(server.port), email)
    second.goto(app_url(server.port))
    signed_in_as(second, email)

    first.get_by_test_id("sign-out").click()

    expect(second.get_by_test_id("signed-out")).to_be_visible(timeout=2_000)
    expect(first.get_by_test_id("signed-out")).to_be_visible()
    second.reload()
    expect(second.get_by_test_id("signed-out")).to_be_visible()
    context.close()
