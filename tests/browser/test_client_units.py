"""The auth client's own unit tests (Vitest: fake timers, a fake API, fake locks and channels)."""

from __future__ import annotations

from tests.browser.web_build import installed, npm


def test_the_auth_client_passes_its_unit_tests():
    installed()
    npm("test")  # fails this test with Vitest's report
