"""The soak's simulated browser (bench/soak/browser.py) reports what the verdict judges: a refused
refresh is a sign-out of that session, a 401 the client recovers from by refreshing is not, and
every answer, retried 503s included, is recorded. Against a fake server (httpx.MockTransport)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import httpx
import pytest

from application.ports import Overloaded, StoreUnavailable
from bench.soak.browser import Browser
from bench.soak.events import Exchange, LoggedOut, SignedOut
from entrypoints.http.problems import _overloaded, _store_unavailable

T = TypeVar("T")
TOKENS = {"access_token": "fresh", "expires_in": 10, "token_expiration": 0, "user": {}}


def a_browser(answer: Callable[[httpx.Request], httpx.Response]) -> tuple[Browser, list[object]]:
    records: list[object] = []
    transport = httpx.MockTransport(answer)
    browser = Browser("ada", "http://soak", "127.0.0.1", 1, True, records.append, transport)
    return browser, records


def of(kind: type[T], records: list[object]) -> list[T]:
    return [record for record in records if isinstance(record, kind)]


async def signed_in(browser: Browser) -> None:
    await browser.sign_in("/auth/login", {"email": "ada@example.com", "password": "x" * 20})
    assert browser.signed_in


async def test_a_refused_refresh_signs_the_session_out_and_is_recorded() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/refresh":
            return httpx.Response(401)
        return httpx.Response(200, json=TOKENS)

    browser, records = a_browser(server)
    await signed_in(browser)

    assert not await browser.refresh(browser.tabs[0])

    [signed_out] = of(SignedOut, records)
    assert signed_out == SignedOut("ada", browser.session, signed_out.at)
    assert not browser.signed_in


async def test_a_401_the_client_recovers_from_by_refreshing_is_no_sign_out() -> None:
    seen: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/users/me":
            fresh = request.headers["Authorization"] == "Bearer fresh-2"
            return httpx.Response(200 if fresh else 401)
        if request.url.path == "/auth/refresh":
            assert request.headers["X-Requested-With"]
            return httpx.Response(200, json={**TOKENS, "access_token": "fresh-2"})
        return httpx.Response(200, json=TOKENS)

    browser, records = a_browser(server)
    await signed_in(browser)

    await browser.me(browser.tabs[0])

    assert seen == ["/auth/login", "/users/me", "/auth/refresh", "/users/me"]
    assert of(SignedOut, records) == []


async def test_a_fresh_token_refused_again_is_a_sign_out() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/users/me":
            return httpx.Response(401)
        return httpx.Response(200, json=TOKENS)

    browser, records = a_browser(server)
    await signed_in(browser)

    await browser.me(browser.tabs[0])

    assert len(of(SignedOut, records)) == 1


async def test_a_logout_is_recorded_before_it_is_sent_with_the_session_it_ends() -> None:
    browser, records = a_browser(lambda request: httpx.Response(200, json=TOKENS))
    await signed_in(browser)
    session = browser.session

    await browser.log_out()

    [logged_out] = of(LoggedOut, records)
    assert logged_out.session == session
    assert records.index(logged_out) < len(records) - 1  # the logout's exchange comes after


@pytest.mark.parametrize("status", [502, 503])
async def test_a_502_or_503_is_retried_and_every_answer_recorded(
    monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setattr("bench.soak.browser.RETRY_CAP", 0.0)
    answers = iter([httpx.Response(status, headers={"Retry-After": "0"}), httpx.Response(204)])
    browser, records = a_browser(lambda request: next(answers))

    response = await browser.send("logout", "POST", "/auth/logout")

    assert response is not None
    assert response.status_code == 204
    assert [e.status for e in of(Exchange, records)] == [status, 204]


async def test_a_transport_error_is_recorded_without_a_status() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    browser, records = a_browser(server)

    assert await browser.send("me", "GET", "/users/me") is None
    [exchange] = of(Exchange, records)
    assert exchange.status is None


def test_the_browser_tells_shedding_from_an_outage_by_the_services_own_wording() -> None:
    busy = _overloaded(Overloaded()).detail
    outage = _store_unavailable(StoreUnavailable()).detail

    assert "busy" in busy
    assert "busy" not in outage
