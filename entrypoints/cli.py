"""The `hexauth` command: migrate, serve, keys new."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from entrypoints.http.request_id import RequestIdLogFilter
from entrypoints.settings import Settings, SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s [%(request_id)s]: %(message)s"
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdLogFilter())
    if args.command == "keys":
        return _keys_new(args.kid)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"hexauth: {error}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        return _migrate(settings)
    return _serve(settings, args.workers)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hexauth", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database schema to the newest migration")
    serve = commands.add_parser("serve", help="serve the HTTP API on HOST:PORT")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    keys = commands.add_parser("keys", help="manage token keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    new = key_commands.add_parser("new", help="print a fresh kid:secret entry for AUTH_KEYS")
    new.add_argument("--kid", help="key id (default: generated)")
    return parser


def _keys_new(kid: str | None) -> int:
    from adapters.tokens.keys import new_key_entry

    print(new_key_entry(kid))
    return 0


def _migrate(settings: Settings) -> int:
    from adapters.persistence.migrate import upgrade

    upgrade(settings.database_url)
    return 0


def _serve(settings: Settings, workers: int) -> int:
    import uvicorn

    uvicorn.run(
        "entrypoints.http.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        # API.md: trust forwarded headers only from the proxies listed, none by default (uvicorn
        # alone would trust 127.0.0.1).
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=list(settings.forwarded_allow_ips) or None,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
