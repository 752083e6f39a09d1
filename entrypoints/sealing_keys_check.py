"""The start-up check of `hexauth serve`: every TOTP secret in the database opens with a key of
AUTH_KEYS. A dropped key would otherwise fail each sign-in of its accounts (503) at request time."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import DBAPIError

from application.mfa.missing_sealing_keys import FindMissingSealingKeysCommand, MissingSealingKeys
from application.ports import StoreUnavailable
from entrypoints.settings import Settings


def missing_sealing_keys_refusal(settings: Settings) -> str | None:
    """Why serving is refused, naming the missing kids and their accounts; else None. A
    database that does not answer, or has no schema yet, is not checked: serve says so itself."""
    try:
        missing = asyncio.run(_find_missing(settings))
    except (StoreUnavailable, DBAPIError):
        return None
    if not missing.accounts_by_kid:
        return None
    kids = ", ".join(f"{kid}: {_accounts(count)}" for kid, count in missing.accounts_by_kid)
    return (
        f"the TOTP secrets of {_accounts(missing.accounts)} are sealed under key ids that "
        f"AUTH_KEYS no longer holds ({kids}). Put each key back in AUTH_KEYS as a later entry "
        "(the first one still seals), or run `hexauth users mfa-reset EMAIL` for those accounts"
    )


async def _find_missing(settings: Settings) -> MissingSealingKeys:
    from dependency_injector import providers

    from entrypoints.container import Container

    container = Container()
    container.settings.override(providers.Object(settings))
    try:
        return await container.find_missing_sealing_keys().execute(FindMissingSealingKeysCommand())
    finally:
        await container.engine().dispose()


def _accounts(count: int) -> str:
    return "1 account" if count == 1 else f"{count} accounts"
