"""Driving the app by its data-testid attributes, as any browser test of it should."""

from __future__ import annotations

from uuid import uuid4

from playwright.sync_api import Page, Response

PASSWORD = "correct horse battery staple"


def an_email() -> str:
    return f"ada-{uuid4().hex[:8]}@example.com"


def app_url(port: int, host: str = "localhost") -> str:
    return f"http://{host}:{port}/"


def open_signed_out(page: Page, url: str) -> Page:
    page.goto(url)
    page.get_by_test_id("signed-out").wait_for()
    return page


def submit(page: Page, button: str, email: str, password: str = PASSWORD) -> None:
    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(password)
    page.get_by_test_id(button).click()


def sign_up(page: Page, url: str, email: str) -> str:
    """Sign up from the signed-out page at `url`; returns the access token the API answered."""
    open_signed_out(page, url)
    with page.expect_response(lambda r: r.url.endswith("/auth/register")) as registered:
        submit(page, "sign-up", email)
    assert registered.value.status == 201
    signed_in_as(page, email)
    return str(registered.value.json()["access_token"])


def sign_in(page: Page, url: str, email: str) -> None:
    open_signed_out(page, url)
    submit(page, "sign-in", email)
    signed_in_as(page, email)


def sign_out(page: Page) -> None:
    page.get_by_test_id("sign-out").click()
    page.get_by_test_id("signed-out").wait_for()


def signed_in_as(page: Page, email: str, timeout: float = 10_000) -> None:
    shown = page.get_by_test_id("signed-in-as")
    shown.wait_for(timeout=timeout)
    assert shown.inner_text() == email


def is_refresh(response: Response) -> bool:
    return response.url.endswith("/auth/refresh")
