"""The resource server's configuration, read once from the environment (README.md lists it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    jwks_url: str
    issuer: str = "hexauth"
    audience: str = "hexauth-api"
    # hexauth serves its JWKS with `Cache-Control: public, max-age=300` (docs/api.md).
    jwks_cache_seconds: float = 300
    # At most one refetch per this many seconds for a token naming an unknown `kid`.
    jwks_refetch_cooldown_seconds: float = 30
    host: str = "127.0.0.1"
    port: int = 8001

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """The settings `env` names; ValueError when HEXAUTH_JWKS_URL is missing."""
        jwks_url = env.get("HEXAUTH_JWKS_URL", "")
        if not jwks_url:
            raise ValueError("HEXAUTH_JWKS_URL is required (hexauth's /.well-known/jwks.json)")
        return cls(
            jwks_url=jwks_url,
            issuer=env.get("HEXAUTH_ISSUER", cls.issuer),
            audience=env.get("HEXAUTH_AUDIENCE", cls.audience),
            jwks_cache_seconds=float(env.get("JWKS_CACHE_SECONDS", cls.jwks_cache_seconds)),
            jwks_refetch_cooldown_seconds=float(
                env.get("JWKS_REFETCH_COOLDOWN_SECONDS", cls.jwks_refetch_cooldown_seconds)
            ),
            host=env.get("HOST", cls.host),
            port=int(env.get("PORT", cls.port)),
        )
