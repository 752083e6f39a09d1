"""The problem responses each handler can give, for its `responses=` in the OpenAPI document."""

from __future__ import annotations

from collections.abc import Mapping

from litestar.openapi.datastructures import ResponseSpec

from entrypoints.http.problems import PROBLEM_MEDIA_TYPE
from entrypoints.http.schemas import ProblemBody

MALFORMED_BODY = (
    "The body is not UTF-8 JSON, is nested deeper than 32 levels, or is not a JSON object of "
    "the expected shape (validation-error)"
)
UNREADABLE_PARAMETERS = "A header or cookie that cannot be read (validation-error)"
BODY_TOO_LARGE = "The body is over 16 KiB; refused before it is parsed (payload-too-large)"
THROTTLED = (
    "Too many attempts from this client; the `Retry-After` header says in how many seconds "
    "to try again (too-many-requests)"
)
NOT_JSON = (
    "The body's Content-Type is not `application/json` (or `application/<something>+json`) "
    "(unsupported-media-type)"
)
STORE_DOWN = (
    "The database, or the store of the attempt counters (Redis), does not answer in time, or "
    "password hashing is past capacity (`ARGON2_QUEUE_TIMEOUT`); refused rather than "
    "unthrottled or queued on, and `Retry-After` says when to try again (service-unavailable)"
)
BEARER_REFUSED = (
    "No valid access token: none, an invalid or expired one, or one whose account is gone or "
    "disabled or whose credentials changed since it was issued (its `cv`: a password change or "
    "reset, logout-all, a disable); `WWW-Authenticate: Bearer` says which (invalid-token)"
)
CROSS_SITE = (
    "Sec-Fetch-Site is cross-site, or the Origin is neither this server's nor listed in "
    "CORS_ALLOWED_ORIGINS (csrf-rejected)"
)
NOT_A_CREDENTIAL = (
    "; or a `credential` that is not what `PublicKeyCredential.toJSON()` returns (base64url "
    "without padding) (validation-error)"
)
CSRF = (
    "The X-Requested-With header is missing, or Sec-Fetch-Site is cross-site, or the Origin is "
    "neither this server's nor listed in CORS_ALLOWED_ORIGINS (csrf-rejected)"
)


def problem_responses(descriptions: Mapping[int, str]) -> dict[int, ResponseSpec]:
    """RFC 9457 problem responses (application/problem+json) for the statuses given."""
    return {
        status: ResponseSpec(
            data_container=ProblemBody,
            media_type=PROBLEM_MEDIA_TYPE,
            description=description,
            generate_examples=False,
        )
        for status, description in descriptions.items()
    }


def no_content(description: str) -> dict[int, ResponseSpec]:
    """A 204 documented without a body (Litestar would describe `Response[None]` as JSON)."""
    return {204: ResponseSpec(data_container=None, description=description)}
