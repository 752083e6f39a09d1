"""docs/api.md "Conventions": every HTML page runs under a CSP with no inline script or style.

Seen in Chromium, which enforces the policy: the interactive OpenAPI page and the app still work,
with no violation reported. (tests/e2e/test_html_headers.py checks the headers themselves.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, ConsoleMessage, Page

from tests.browser.pages import app_url, open_signed_out
from tests.e2e.processes import Server


def violations_seen(page: Page) -> list[str]:
    seen: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


@contextmanager
def a_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_openapi_page_lists_the_operations_under_the_csp(browser: Browser, server: Server):
    with a_page(browser) as page:
        violations = violations_seen(page)
        response = page.goto(f"{app_url(server.port)}schema")

        page.locator(".opblock-summary-path", has_text="/auth/login").first.wait_for()

        assert response is not None
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert violations == []


def test_the_app_signs_out_page_renders_under_the_csp(browser: Browser, server: Server):
    with a_page(browser) as page:
        violations = violations_seen(page)
        open_signed_out(page, app_url(server.port))

        assert violations == []
