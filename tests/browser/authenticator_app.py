"""The user's side of a second factor in the browser tests: an authenticator app (pyotp) and
turning TOTP on through the app's account page."""

from __future__ import annotations

import re
import time
from typing import NamedTuple

import pyotp
from playwright.sync_api import Page, expect

from tests.browser.pages import PASSWORD

PNG_DATA_URL = re.compile(r"^data:image/png;base64,")
STEP_SECONDS = 30  # RFC 6238 as docs/api.md "TOTP" runs it: 30-second steps, one of drift


class AuthenticatorApp:
    """Codes for a TOTP secret, each of a later time step than the last: the API accepts a step
    once only (RFC 6238 section 5.2), so a second code in the same step would be refused."""

    def __init__(self, secret: str) -> None:
        self._totp = pyotp.TOTP(secret)
        self._last_step = -1

    def code(self) -> str:
        while True:
            now = int(time.time()) // STEP_SECONDS
            step = max(now, self._last_step + 1)
            if step <= now + 1:  # at most one step ahead, which the API still takes
                break
            time.sleep(1)
        self._last_step = step
        return self._totp.at(step * STEP_SECONDS)


class TotpOn(NamedTuple):
    app: AuthenticatorApp
    recovery_codes: list[str]


def turn_on_totp(page: Page) -> TotpOn:
    """On the signed-in account page: set up TOTP with the password, read the secret the page
    shows, and confirm it with a code; returns the app and the recovery codes shown once."""
    page.get_by_test_id("totp-password").fill(PASSWORD)
    page.get_by_test_id("totp-setup").click()
    app = AuthenticatorApp(page.get_by_test_id("totp-secret").inner_text().strip())
    qr = page.get_by_test_id("totp-qr")
    expect(qr).to_have_attribute("src", PNG_DATA_URL)
    # decode() rejects an image the page's CSP refused (img-src 'self' data:).
    assert qr.evaluate("image => image.decode().then(() => image.naturalWidth)") > 0
    page.get_by_test_id("totp-code").fill(app.code())
    page.get_by_test_id("totp-confirm").click()
    expect(page.get_by_test_id("totp-status")).to_have_attribute("data-enabled", "true")
    codes = page.get_by_test_id("recovery-code").all_inner_texts()
    return TotpOn(app, [code.strip() for code in codes])
