"""docs/api.md "Client IP" and the own-origin rule, on the functions and on raw ASGI scopes."""

from __future__ import annotations

from typing import Any

import pytest

from entrypoints.http.csrf import origin_key
from entrypoints.http.forwarded import ForwardedHeadersMiddleware
from entrypoints.http.request_id import current_client_ip

PROXY = "10.0.0.2"


def a_scope(peer: str | None, **headers: str) -> dict[str, Any]:
    return {
        "type": "http",
        "scheme": "http",
        "client": (peer, 51000) if peer else None,
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }


def host_of(scope: dict[str, Any]) -> str | None:
    return next((v.decode() for k, v in scope["headers"] if k == b"host"), None)


async def resolved(scope: dict[str, Any], trusted: list[str]) -> dict[str, Any]:
    """The scope as the app behind the middleware sees it."""
    seen: list[dict[str, Any]] = []

    async def app(scope, receive, send) -> None:
        seen.append(dict(scope))

    await ForwardedHeadersMiddleware(trusted).handle(scope, None, None, app)  # type: ignore[arg-type]
    return seen[0]


async def client_behind(trusted: list[str], forwarded_for: str, peer: str = PROXY) -> str:
    """The client host the app sees when `peer` sends this X-Forwarded-For."""
    return (await resolved(a_scope(peer, x_forwarded_for=forwarded_for), trusted))["client"][0]


async def test_no_proxy_is_trusted_by_default_not_even_loopback() -> None:
    assert await client_behind([], "203.0.113.9", peer="127.0.0.1") == "127.0.0.1"
    assert await client_behind([], "203.0.113.9", peer="::1") == "::1"


async def test_addresses_networks_and_star_are_accepted() -> None:
    trusted = ["10.0.0.0/8", "192.0.2.5", "2001:db8::/32"]

    assert await client_behind(trusted, "203.0.113.9", peer="10.1.2.3") == "203.0.113.9"
    assert await client_behind(trusted, "203.0.113.9", peer="192.0.2.5") == "203.0.113.9"
    assert await client_behind(trusted, "203.0.113.9", peer="192.0.2.6") == "192.0.2.6"
    assert await client_behind(trusted, "203.0.113.9", peer="2001:db8::7") == "203.0.113.9"
    # IPv4 on a dual-stack socket
    assert await client_behind(trusted, "203.0.113.9", peer="::ffff:10.0.0.9") == "203.0.113.9"
    assert await client_behind(trusted, "203.0.113.9", peer="testclient") == "testclient"
    assert await client_behind(["*"], "203.0.113.9", peer="anything") == "203.0.113.9"
    # A network written with host bits (accepted by the settings) still means the network.
    assert await client_behind(["10.0.0.5/8"], "203.0.113.9") == "203.0.113.9"


async def test_the_nearest_address_that_is_not_a_trusted_proxy_is_the_client() -> None:
    # The client wrote the first entry itself; the proxies appended the rest.
    assert await client_behind(["10.0.0.0/8"], "6.6.6.6, 203.0.113.9, 10.0.0.3") == "203.0.113.9"


async def test_when_every_hop_is_trusted_the_leftmost_is_the_client() -> None:
    assert await client_behind(["10.0.0.0/8"], "10.0.0.5, 10.0.0.3") == "10.0.0.5"


async def test_ports_and_ipv6_spellings_are_normalized() -> None:
    assert await client_behind([PROXY], "203.0.113.9:4711") == "203.0.113.9"
    assert await client_behind([PROXY], "[2001:DB8:0::1]:443") == "2001:db8::1"


async def test_an_entry_that_is_not_an_address_names_no_client() -> None:
    assert await client_behind([PROXY], "unknown") == PROXY
    assert await client_behind([PROXY], "") == PROXY


async def test_a_trusted_proxy_sets_client_scheme_and_host() -> None:
    scope = a_scope(
        PROXY,
        host="internal:8000",
        x_forwarded_for="203.0.113.9",
        x_forwarded_proto="https",
        x_forwarded_host="auth.example.com",
    )

    seen = await resolved(scope, [PROXY])

    assert seen["client"] == ("203.0.113.9", 0)
    assert seen["scheme"] == "https"
    assert host_of(seen) == "auth.example.com"


@pytest.mark.parametrize("trusted", [[], ["10.9.9.9"]])
async def test_headers_from_a_peer_that_is_not_trusted_change_nothing(trusted: list[str]) -> None:
    scope = a_scope(
        PROXY,
        host="internal:8000",
        x_forwarded_for="203.0.113.9",
        x_forwarded_proto="https",
        x_forwarded_host="evil.example",
    )

    seen = await resolved(scope, trusted)

    assert seen["client"] == (PROXY, 51000)
    assert seen["scheme"] == "http"
    assert host_of(seen) == "internal:8000"


@pytest.mark.parametrize("proto", ["gopher", "wss"])
async def test_odd_forwarded_values_are_ignored(proto: str) -> None:
    scope = a_scope(
        PROXY,
        host="internal",
        x_forwarded_for="not-an-ip",
        x_forwarded_proto=proto,
        x_forwarded_host="bad host\r\nx: y",
    )

    seen = await resolved(scope, [PROXY])

    assert seen["client"] == (PROXY, 51000)
    assert seen["scheme"] == "http"
    assert host_of(seen) == "internal"


async def test_the_last_proto_and_host_are_the_nearest_proxys() -> None:
    scope = a_scope(
        PROXY, host="internal", x_forwarded_proto="http, https", x_forwarded_host="a.test, b.test"
    )

    seen = await resolved(scope, [PROXY])

    assert (seen["scheme"], host_of(seen)) == ("https", "b.test")


async def test_several_forwarded_for_headers_read_as_one_list() -> None:
    scope = a_scope(PROXY)
    scope["headers"] += [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"203.0.113.9")]

    seen = await resolved(scope, [PROXY])

    assert seen["client"][0] == "203.0.113.9"


async def test_the_middleware_resolves_once_and_exposes_the_address_to_log_records() -> None:
    seen: list[tuple[Any, str | None]] = []

    async def app(scope, receive, send) -> None:
        seen.append((scope["client"], current_client_ip.get()))

    middleware = ForwardedHeadersMiddleware([PROXY])
    scope = a_scope(PROXY, x_forwarded_for="::ffff:203.0.113.9")

    await middleware.handle(scope, None, None, app)  # type: ignore[arg-type]

    assert seen == [(("203.0.113.9", 0), "203.0.113.9")]
    assert current_client_ip.get() is None


async def test_the_middleware_keeps_a_peer_that_is_not_an_address() -> None:
    seen: list[Any] = []

    async def app(scope, receive, send) -> None:
        seen.append(scope["client"])

    await ForwardedHeadersMiddleware([]).handle(a_scope("testclient"), None, None, app)  # type: ignore[arg-type]

    assert seen == [("testclient", 51000)]


@pytest.mark.parametrize(
    ("origin", "key"),
    [
        ("https://App.Example.com", ("https", "app.example.com", 443)),
        ("https://app.example.com:443", ("https", "app.example.com", 443)),
        ("http://localhost:5173", ("http", "localhost", 5173)),
        ("https://app.example.com/", ("https", "app.example.com", 443)),
        ("null", None),
        ("file://", None),
        ("https://user@app.example.com", None),
        ("https://app.example.com/path", None),
        ("https://app.example.com:99999", None),
        ("https://[::1", None),
        ("", None),
    ],
)
def test_origins_compare_by_scheme_host_and_port(origin: str, key: object) -> None:
    assert origin_key(origin) == key
