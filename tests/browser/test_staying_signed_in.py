"""Sign up, reload, still signed in; the access token lives in the page's memory only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser.pages import an_email, app_url, is_refresh, sign_up, signed_in_as
from tests.e2e.processes import Server

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "web-app.png"

# Everything a script can read back after the page is gone, or see while it runs.
READABLE_STATE = """async () => ({
    localStorage: Object.entries(localStorage).flat().join("\\n"),
    sessionStorage: Object.entries(sessionStorage).flat().join("\\n"),
    indexedDB: (await indexedDB.databases()).map((db) => db.name).join("\\n"),
    caches: (await caches.keys()).join("\\n"),
    cookie: document.cookie,
    url: location.href,
})"""


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_a_reload_keeps_the_user_signed_in_and_no_storage_holds_the_token(
    browser: Browser, server: Server, host: str, tmp_path: Path
):
    context = browser.new_context()
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    email = an_email()
    url = app_url(server.port, host)

    first_token = sign_up(page, url, email)
    with page.expect_response(is_refresh) as refreshed:
        document = page.reload()
    assert refreshed.value.status == 200
    signed_in_as(page, email)

    tokens = [first_token, str(refreshed.value.json()["access_token"])]
    readable = page.evaluate(READABLE_STATE)
    for token in tokens:
        for where, value in readable.items():
            assert token not in value, f"the access token is readable in {where}"
    assert readable["localStorage"] == readable["sessionStorage"] == readable["indexedDB"] == ""
    assert readable["cookie"] == ""
    (cookie,) = context.cookies()
    assert cookie["name"] == "__Secure-refresh_token"
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"], cookie["path"]) == (
        True,
        True,
        "Strict",
        "/auth",
    )
    assert document is not None
    assert "script-src 'self'" in document.headers["content-security-policy"]
    assert not [text for text in violations if "Content Security Policy" in text]

    shot = SCREENSHOT if os.environ.get("HEXAUTH_UPDATE_SCREENSHOT") else tmp_path / "app.png"
    page.get_by_test_id("session").first.wait_for()
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
    context.close()
