"""`python -m examples.resource_server`: serve the resource server (README.md says how)."""

from __future__ import annotations

import logging
import sys

import uvicorn

from examples.resource_server.app import create_app
from examples.resource_server.settings import Settings
from examples.resource_server.verifier import AccessTokenVerifier, jwks_client


def main() -> None:
    try:
        settings = Settings.from_env()
    except ValueError as error:
        sys.exit(f"resource server: {error}")
    logging.basicConfig(level=logging.INFO)
    verifier = AccessTokenVerifier(
        jwks_client(settings).get_signing_key, settings.issuer, settings.audience
    )
    uvicorn.run(create_app(verifier), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
