"""The per-request work around the database: the whole bearer check, the container's
per-request factories, and the Email check a loaded row goes through."""

from __future__ import annotations

from litestar import Request

from domain.email import Email
from entrypoints.http.dependencies import provide_principal


def _request(token: str) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/users/me",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())],
        "state": {},
        "path_params": {},
    }
    return Request(scope)  # type: ignore[arg-type]


def test_bearer_check(benchmark, container, access_token):
    """What /users/me does before its SELECT: the Authenticate use case from the container,
    the header read from the ASGI scope, decrypt, verify, claims."""

    def bearer_check():
        return provide_principal(_request(access_token), container.authenticate())

    benchmark(bearer_check)


def test_container_get_current_user(benchmark, container):
    benchmark(container.get_current_user)


def test_container_refresh_session(benchmark, container):
    benchmark(container.refresh_session)


def test_email_of_a_loaded_row_cached(benchmark):
    """`_user_from` builds Email(row.email), which re-normalizes; an LRU cache hit."""
    Email("someone@example.com")

    benchmark(Email, "someone@example.com")


def test_email_of_a_loaded_row_uncached(benchmark):
    """The same check on a cache miss (more distinct users than the cache holds)."""
    normalize = Email._normalize.__wrapped__  # type: ignore[attr-defined]

    benchmark(normalize, "someone@example.com")
