"""The real token objects, built by the service's own container (no database is touched)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dependency_injector import providers

from adapters.tokens.keys import new_key_entry
from domain.auth_methods import PASSWORD_ONLY
from domain.email import Email
from domain.tokens import Claims, TokenType
from domain.user import User
from entrypoints.container import Container
from entrypoints.settings import Settings


@pytest.fixture(scope="session")
def container() -> Container:
    container = Container()
    settings = Settings(
        database_url="sqlite+aiosqlite:///:memory:", auth_keys=new_key_entry("bench")
    )
    container.settings.override(providers.Object(settings))
    return container


@pytest.fixture(scope="session")
def session(container):
    issuer = container.token_issuer()
    now = container.clock().now()
    owner = User(
        id=container.ids().new_id(),
        email=Email.parse("bench@example.com"),
        password_hash="unused",  # noqa: S106 (no password is checked here)
        created_at=now,
    )
    return issuer.start_session(owner, now, "bench", amr=PASSWORD_ONLY), now


@pytest.fixture(scope="session")
def access_claims(session) -> Claims:
    started, now = session
    return Claims(
        subject=started.user_id,
        session_id=started.id,
        token_id="a-token-id-of-22-chars",  # noqa: S106 (an id, not a secret)
        type=TokenType.ACCESS,
        issued_at=now,
        expires_at=now + timedelta(minutes=15),
        credentials_version=started.credentials_version,
        amr=started.amr,
    )


@pytest.fixture(scope="session")
def access_token(container, session) -> str:
    started, now = session
    return container.token_issuer().tokens_for(started, now).access_token
