"""RFC 9457 problem responses: every error the API gives, in one vocabulary (docs/api.md)."""

from __future__ import annotations

import logging
import traceback
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException

from application.ports import AttemptCounterUnavailable, Overloaded, StoreUnavailable
from domain.errors import (
    AccountDisabled,
    DomainError,
    EmailAlreadyRegistered,
    EmailUnverified,
    InvalidCode,
    InvalidCredentials,
    InvalidLink,
    InvalidMfaToken,
    InvalidToken,
    InvalidValue,
    MalformedPasskeyCredential,
    MfaAlreadyEnabled,
    MfaNotEnabled,
    MfaRequired,
    PasskeyNotFound,
    PasskeyRejected,
    PasskeySignInFailed,
    SessionNotFound,
    TooManyAttempts,
    WrongCurrentPassword,
)
from entrypoints.http.request_id import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("hexauth.http")
# One detail for every refused token (docs/api.md "Token format"): the reason stays server-side.
TOKEN_REFUSED = "the token is missing, invalid or expired"  # noqa: S105 (a message)
# The innermost frames of an unhandled error's traceback that its log line names.
_FRAMES_LOGGED = 8


@dataclass(frozen=True, slots=True)
class Problem:
    slug: str
    status: int
    title: str

    @property
    def type(self) -> str:
        return f"urn:hexauth:problem:{self.slug}"

    def exception(
        self,
        detail: str,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> ProblemDetailsException:
        members = {**({"errors": errors} if errors is not None else {}), **(extra or {})}
        return ProblemDetailsException(
            status_code=self.status,
            type_=self.type,
            title=self.title,
            detail=detail,
            headers=headers,
            extra=members or None,
        )

    def response(
        self,
        detail: str,
        headers: dict[str, str] | None = None,
        cookies: list[Cookie] | None = None,
    ) -> Response[Any]:
        """For handlers that must add a cookie to the problem (the refresh endpoint).

        Typed `Response[Any]` so such a handler's return type stays the body of its success
        (what the OpenAPI document shows); the problem bodies are declared in `responses=`.
        """
        body = {"type": self.type, "title": self.title, "status": self.status, "detail": detail}
        return Response(
            body,
            status_code=self.status,
            media_type=PROBLEM_MEDIA_TYPE,
            headers=headers,
            cookies=cookies,
        )


VALIDATION_ERROR = Problem("validation-error", 422, "Your request is not valid")
MALFORMED_BODY = Problem("validation-error", 400, "Your request is not valid")
INVALID_CREDENTIALS = Problem("invalid-credentials", 401, "Invalid email or password")
WRONG_CURRENT_PASSWORD = Problem(
    "invalid-credentials", 403, "The current password or the second factor is wrong"
)
WRONG_CODE = Problem("invalid-credentials", 401, "The code is wrong")
INVALID_TOKEN = Problem("invalid-token", 401, "Missing or invalid token")
CSRF_REJECTED = Problem("csrf-rejected", 403, "Cross-site request refused")
ACCOUNT_DISABLED = Problem("account-disabled", 403, "This account is disabled")
INVALID_LINK = Problem("invalid-link", 400, "This link cannot be used")
INVALID_PASSKEY = Problem("invalid-passkey", 400, "This passkey cannot be registered")
PASSKEY_NOT_VERIFIED = Problem("invalid-credentials", 401, "The passkey could not sign you in")
EMAIL_UNVERIFIED = Problem("email-unverified", 403, "The email is not verified yet")
NOT_FOUND = Problem("not-found", 404, "Not found")
METHOD_NOT_ALLOWED = Problem("method-not-allowed", 405, "Method not allowed")
EMAIL_TAKEN = Problem("email-taken", 409, "This email is already registered")
PAYLOAD_TOO_LARGE = Problem("payload-too-large", 413, "The request body is too large")
UNSUPPORTED_MEDIA_TYPE = Problem("unsupported-media-type", 415, "The body must be JSON")
HEADERS_TOO_LARGE = Problem(
    "request-header-fields-too-large", 431, "The request headers are too large"
)
TOO_MANY_REQUESTS = Problem("too-many-requests", 429, "Too many requests")
SERVICE_UNAVAILABLE = Problem("service-unavailable", 503, "Service unavailable")
INTERNAL_ERROR = Problem("internal-error", 500, "Internal server error")
INVALID_CODE = Problem("invalid-code", 400, "The code is wrong")
MFA_REQUIRED = Problem("mfa-required", 403, "A second factor is required")
MFA_ALREADY_ENABLED = Problem("mfa-already-enabled", 409, "A second factor is already on")
MFA_NOT_ENABLED = Problem("mfa-not-enabled", 409, "No second factor is on")

_BY_STATUS = {
    p.status: p for p in (NOT_FOUND, METHOD_NOT_ALLOWED, PAYLOAD_TOO_LARGE, TOO_MANY_REQUESTS)
}


def _from_domain(error: DomainError) -> ProblemDetailsException:
    match error:
        case InvalidValue(field=field, message=message):
            return VALIDATION_ERROR.exception(
                message, errors=[{"field": field, "message": message}]
            )
        case MalformedPasskeyCredential():
            message = str(error)
            return MALFORMED_BODY.exception(
                message, errors=[{"field": "credential", "message": message}]
            )
        case PasskeyRejected():
            # One answer whatever refused it (docs/api.md "Passkeys"); the reason is logged.
            return INVALID_PASSKEY.exception("the passkey registration could not be verified")
        case PasskeySignInFailed():
            return PASSKEY_NOT_VERIFIED.exception("the passkey could not be verified")
        case PasskeyNotFound():
            return NOT_FOUND.exception("no such passkey")
        case EmailAlreadyRegistered():
            return EMAIL_TAKEN.exception("an account with this email already exists")
        case InvalidCredentials():
            return INVALID_CREDENTIALS.exception("the email or the password is wrong")
        case AccountDisabled():
            return ACCOUNT_DISABLED.exception("sign-in is disabled for this account")
        case InvalidLink():
            # One answer for unknown, used, expired and wrong-purpose links (docs/api.md).
            return INVALID_LINK.exception("the link is invalid, used or expired; ask for a new one")
        case EmailUnverified():
            return EMAIL_UNVERIFIED.exception("verify your email with the link mailed to you")
        case WrongCurrentPassword():
            # Its message is one of the use case's constants: which of the two was wrong.
            return WRONG_CURRENT_PASSWORD.exception(str(error) or "the current password is wrong")
        case MfaRequired(mfa_token=token, methods=methods, expires_in=expires_in):
            # docs/api.md "Login with a second factor": extension members (RFC 9457 3.2).
            return MFA_REQUIRED.exception(
                "the password is right; finish signing in at /auth/login/mfa with a code",
                extra={"mfa_token": token, "methods": list(methods), "expires_in": expires_in},
            )
        case InvalidMfaToken():
            return INVALID_TOKEN.exception("the mfa_token is unknown, used, expired or exhausted")
        case InvalidCode():
            return INVALID_CODE.exception("the code is wrong; check the authenticator's clock")
        case MfaAlreadyEnabled():
            return MFA_ALREADY_ENABLED.exception("TOTP is already on for this account")
        case MfaNotEnabled():
            return MFA_NOT_ENABLED.exception("TOTP is not on for this account, nor being set up")
        case SessionNotFound():
            return NOT_FOUND.exception("no such session")
        case TooManyAttempts(retry_after=seconds):
            # RFC 9110 10.2.3: delay-seconds. Which limit was hit stays in the logs.
            return TOO_MANY_REQUESTS.exception(
                f"too many attempts; try again in {seconds} seconds",
                headers={"Retry-After": str(seconds)},
            )
        case InvalidToken():
            # Only the bearer routes let InvalidToken reach here (a deleted or disabled account
            # behind a valid access token); the cookie routes answer their own. RFC 6750 3.1.
            return INVALID_TOKEN.exception(
                TOKEN_REFUSED, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )
    return INTERNAL_ERROR.exception("unexpected error")


def http_error_handler(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    """Litestar's own errors (routing, body parsing, size limits) as problems; 5xx are bugs."""
    if error.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return internal_error_handler(request, error)
    if error.status_code == HTTPStatus.BAD_REQUEST:
        # Litestar says 400 for a body it cannot decode or that has the wrong shape.
        details = error.extra if isinstance(error, ValidationException) else None
        return MALFORMED_BODY.exception(
            "the request body is not valid JSON of the expected shape",
            errors=[
                {"field": str(item.get("key") or "body"), "message": str(item.get("message"))}
                for item in (details if isinstance(details, list) else [])
                if isinstance(item, dict)
            ]
            or [{"field": "body", "message": "expected a JSON object"}],
        ).to_response(request)
    problem = _BY_STATUS.get(error.status_code)
    if problem is None:
        phrase = HTTPStatus(error.status_code).phrase
        problem = Problem(phrase.lower().replace(" ", "-"), error.status_code, phrase)
    return problem.exception(problem.title.lower(), headers=error.headers).to_response(request)


def internal_error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """A bug: log it with an id, and show the client only that id (docs/api.md "Conventions").

    The line names the exception's type, the route template, the request id and where in the
    code it was raised; never the exception's message or arguments, a header or the body,
    any of which can carry what the client sent (a password in a decoder's error, say).
    """
    request_id = current_request_id.get() or uuid.uuid4().hex
    frames = traceback.extract_tb(error.__traceback__)[-_FRAMES_LOGGED:]
    log.error(
        "unhandled %s on %s %s (request id %s) at %s",
        type(error).__name__,
        request.method,
        request.scope.get("path_template") or "an unmatched path",
        request_id,
        " < ".join(f"{frame.filename}:{frame.lineno} {frame.name}" for frame in reversed(frames)),
    )
    return INTERNAL_ERROR.response(f"request id {request_id}")


def _counter_unavailable(error: AttemptCounterUnavailable) -> ProblemDetailsException:
    # Fail closed: without its counters, login would be open to unlimited guessing.
    log.error("the attempt counter store does not answer: %s", error)
    return SERVICE_UNAVAILABLE.exception(
        "the service cannot take sign-ins right now", headers={"Retry-After": "5"}
    )


def _store_unavailable(error: StoreUnavailable) -> ProblemDetailsException:
    # An outage, not a bug: clients and load balancers may retry a 503 (RFC 9110 15.6.4).
    log.error("a backing store does not answer: %s", type(error).__name__)
    return SERVICE_UNAVAILABLE.exception(
        "the service is unavailable right now; try again shortly", headers={"Retry-After": "5"}
    )


def _overloaded(error: Overloaded) -> ProblemDetailsException:
    # Fail closed and fast: a password check that cannot start soon is refused, not queued on.
    log.warning("password hashing is past capacity: a request was refused")
    return SERVICE_UNAVAILABLE.exception(
        "the service is busy right now; try again shortly", headers={"Retry-After": "5"}
    )


def problem_details_config() -> ProblemDetailsConfig:
    return ProblemDetailsConfig(
        exception_to_problem_detail_map={
            DomainError: _from_domain,
            AttemptCounterUnavailable: _counter_unavailable,
            StoreUnavailable: _store_unavailable,
            Overloaded: _overloaded,
        }
    )
