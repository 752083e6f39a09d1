"""The OpenAPI document is as precise as the code (issue 12): typed success bodies, clean
operation ids, the refresh cookie and its Set-Cookie under the configured name, 415 and 503
where they can happen, and a `/schema` page that loads nothing from another origin."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.e2e.conftest import BASE_URL, settings_for

OPERATION_IDS = {
    ("post", "/auth/register"): "register",
    ("post", "/auth/login"): "login",
    ("post", "/auth/refresh"): "refresh",
    ("post", "/auth/logout"): "logout",
    ("post", "/auth/logout-all"): "logoutAll",
    ("get", "/auth/sessions"): "listSessions",
    ("get", "/auth/sessions/count"): "countSessions",
    ("delete", "/auth/sessions/{session_id}"): "revokeSession",
    ("post", "/auth/password"): "changePassword",
    ("get", "/users/me"): "getMe",
    ("delete", "/users/me"): "deleteMe",
    ("post", "/auth/password/forgot"): "forgotPassword",
    ("post", "/auth/password/reset"): "resetPassword",
    ("post", "/auth/email/verify"): "verifyEmail",
    ("post", "/auth/email/verify/send"): "sendEmailVerification",
    ("get", "/health"): "health",
    ("get", "/health/live"): "liveness",
    ("post", "/auth/passkeys/register/options"): "passkeyRegistrationOptions",
    ("post", "/auth/passkeys/register"): "registerPasskey",
    ("get", "/auth/passkeys"): "listPasskeys",
    ("delete", "/auth/passkeys/{passkey_id}"): "removePasskey",
    ("post", "/auth/passkeys/login/options"): "passkeyLoginOptions",
    ("post", "/auth/passkeys/login"): "passkeyLogin",
    ("post", "/auth/login/mfa"): "loginMfa",
    ("get", "/auth/mfa"): "getMfa",
    ("post", "/auth/mfa/totp/setup"): "setUpTotp",
    ("post", "/auth/mfa/totp/confirm"): "confirmTotp",
    ("delete", "/auth/mfa/totp"): "removeTotp",
    ("post", "/auth/mfa/recovery-codes"): "renewRecoveryCodes",
}
TOKEN_BODY = "#/components/schemas/TokenBody"


@pytest.fixture
def settings(sqlite_database_url: str) -> Settings:
    return settings_for(sqlite_database_url)


@pytest.fixture
def document(client) -> dict:
    return client.get("/schema/openapi.json").json()


def operation(document: dict, method: str, path: str) -> dict:
    return document["paths"][path][method]


def test_every_operation_has_its_clean_id(document):
    found = {
        (method, path): op["operationId"]
        for path, item in document["paths"].items()
        for method, op in item.items()
    }

    assert found == OPERATION_IDS


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/auth/register", "201"),
        ("post", "/auth/login", "200"),
        ("post", "/auth/login/mfa", "200"),
        ("post", "/auth/refresh", "200"),
        ("post", "/auth/password", "200"),
        ("post", "/auth/passkeys/login", "200"),
    ],
)
def test_every_token_response_is_typed_as_the_token_body(document, method, path, status):
    content = operation(document, method, path)["responses"][status]["content"]

    assert content["application/json"]["schema"] == {"$ref": TOKEN_BODY}


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/auth/register", {"201"}),
        ("post", "/auth/login", {"200"}),
        ("post", "/auth/login/mfa", {"200"}),
        ("post", "/auth/refresh", {"200", "401"}),
        ("post", "/auth/password", {"200"}),
        ("post", "/auth/logout", {"204"}),
        ("post", "/auth/logout-all", {"204"}),
        ("delete", "/auth/sessions/{session_id}", {"204"}),
        ("post", "/auth/passkeys/login", {"200"}),
    ],
)
def test_set_cookie_is_documented_where_the_cookie_is_set_or_cleared(
    document, method, path, statuses
):
    responses = operation(document, method, path)["responses"]
    documented = {status for status, r in responses.items() if "Set-Cookie" in r.get("headers", {})}

    assert documented == statuses
    for status in statuses:
        assert "__Secure-refresh_token" in responses[status]["headers"]["Set-Cookie"]["example"]


@pytest.mark.parametrize("secure", [True, False])
def test_the_refresh_cookie_is_documented_under_the_name_in_use(
    sqlite_database_url, container, secure
):
    settings = settings_for(sqlite_database_url, cookie_secure=secure)
    container.settings.override(providers.Object(settings))
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        document = client.get("/schema/openapi.json").json()
    name = "__Secure-refresh_token" if secure else "refresh_token"

    for path in ("/auth/refresh", "/auth/logout"):
        cookies = [
            p["name"]
            for p in operation(document, "post", path)["parameters"]
            if p["in"] == "cookie"
        ]
        assert cookies == [name]
    example = operation(document, "post", "/auth/login")["responses"]["200"]["headers"][
        "Set-Cookie"
    ]
    assert example["example"].startswith(f"{name}=")
    assert ("Secure" in example["example"].split("; ")) is secure


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/auth/register", {"403", "415", "503"}),
        ("post", "/auth/login", {"403", "415", "503"}),
        ("post", "/auth/password", {"415", "503"}),
        ("post", "/auth/login/mfa", {"400", "401", "403", "415", "429", "503"}),
        ("post", "/auth/mfa/totp/setup", {"401", "403", "409", "415", "429", "503"}),
        ("post", "/auth/mfa/totp/confirm", {"400", "401", "409", "415", "429", "503"}),
        ("delete", "/auth/mfa/totp", {"401", "403", "409", "415", "429", "503"}),
        ("post", "/auth/mfa/recovery-codes", {"401", "403", "409", "415", "429", "503"}),
        ("get", "/auth/mfa", {"401", "503"}),
        ("post", "/auth/refresh", {"503"}),
        ("get", "/users/me", {"503"}),
        ("get", "/auth/sessions", {"503"}),
        ("get", "/auth/sessions/count", {"503"}),
        ("get", "/health", {"503"}),
        ("post", "/auth/passkeys/register/options", {"415", "503"}),
        ("post", "/auth/passkeys/register", {"415", "503"}),
        ("post", "/auth/passkeys/login/options", {"403", "503"}),
        ("post", "/auth/passkeys/login", {"403", "415", "503"}),
    ],
)
def test_415_403_and_503_are_listed_where_they_can_happen(document, method, path, statuses):
    assert statuses <= set(operation(document, method, path)["responses"])


def test_the_schema_page_loads_only_same_origin_assets_and_they_answer(client):
    page = client.get("/schema")
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page.text)

    assert page.status_code == 200
    assert any(url.endswith(".js") for url in urls)
    assert any(url.endswith(".css") for url in urls)
    for url in urls:
        assert not urlsplit(url).netloc, url
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200, url
    assert "cdn" not in page.text.lower()
    assert "unpkg" not in page.text.lower()


def test_login_documents_mfa_required_with_its_extension_members(document):
    forbidden = operation(document, "post", "/auth/login")["responses"]["403"]
    schema = forbidden["content"]["application/problem+json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]

    members = document["components"]["schemas"][name]["properties"]
    assert {"mfa_token", "methods", "expires_in"} <= set(members)
    assert "mfa-required" in forbidden["description"]


@pytest.mark.parametrize(
    ("method", "path", "status", "members"),
    [
        ("get", "/auth/mfa", "200", {"totp", "recovery_codes_left", "passkeys"}),
        ("post", "/auth/mfa/totp/setup", "200", {"secret", "otpauth_uri"}),
        ("post", "/auth/mfa/totp/confirm", "200", {"recovery_codes"}),
        ("post", "/auth/mfa/recovery-codes", "200", {"recovery_codes"}),
    ],
)
def test_the_second_factor_bodies_are_typed(document, method, path, status, members):
    content = operation(document, method, path)["responses"][status]["content"]
    name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    assert set(document["components"]["schemas"][name]["properties"]) == members
