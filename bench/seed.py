"""Accounts, tokens and refresh cookies for the benchmark, made through the public API."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from subprocess import Popen

import httpx

# The benchmark accounts' password, at least AUTH_PASSWORD_MIN_LENGTH (15) long.
PASSWORD = "bench-password-0123456789"  # noqa: S105


def wait_until_up(base_url: str, path: str, process: Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server at {base_url} exited with {process.returncode}")
        try:
            if httpx.get(base_url + path, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base_url}{path} did not answer 200 within {timeout:.0f} s")


def _check(response: httpx.Response, *expected: int) -> httpx.Response:
    if response.status_code not in expected:
        raise RuntimeError(
            f"{response.request.method} {response.request.url} -> {response.status_code}:"
            f" {response.text[:300]}"
        )
    return response


def register(base_url: str, email: str, password: str = PASSWORD) -> httpx.Response:
    """Register `email`; an address already taken (409) is fine."""
    with httpx.Client(timeout=60) as client:
        body = {"email": email, "password": password}
        return _check(client.post(f"{base_url}/auth/register", json=body), 201, 409)


def login(base_url: str, email: str, password: str = PASSWORD) -> httpx.Response:
    with httpx.Client(timeout=60) as client:
        body = {"email": email, "password": password}
        return _check(client.post(f"{base_url}/auth/login", json=body), 200)


def access_token(response: httpx.Response) -> str:
    return str(response.json()["access_token"])


def user_id(base_url: str, token: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    response = _check(httpx.get(f"{base_url}/users/me", headers=headers, timeout=60), 200)
    return str(response.json()["id"])


def cookie_pair(response: httpx.Response, name: str) -> str:
    """`name=value` of the refresh cookie, read from Set-Cookie by hand: a cookie jar would
    drop a `Secure` cookie over plain HTTP."""
    for header in response.headers.get_list("set-cookie"):
        pair = header.split(";", 1)[0].strip()
        if pair.startswith(f"{name}=") and pair != f"{name}=":
            return pair
    raise RuntimeError(f"no {name} cookie in {response.request.url}'s response")


def refresh_cookies(
    base_url: str, prefix: str, count: int, cookie_name: str, out: Path, parallel: int = 2
) -> Path:
    """Register `count` new accounts (registering signs in: one argon2 hash each) and write one
    refresh cookie per line: distinct users and sessions, as real refresh traffic has."""

    def one(index: int) -> str:
        response = register(base_url, f"{prefix}-{index}@example.com")
        if response.status_code == 409:
            response = login(base_url, f"{prefix}-{index}@example.com")
        return cookie_pair(response, cookie_name)

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        out.write_text("\n".join(pool.map(one, range(count))) + "\n")
    return out
