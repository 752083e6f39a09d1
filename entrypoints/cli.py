"""The `hexauth` command: migrate, serve, keys new, users, sessions, mail."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from entrypoints.log_config import configure_logging, logging_config
from entrypoints.operator_commands import (
    OPERATOR_COMMANDS,
    add_operator_commands,
    run_operator_command,
)
from entrypoints.settings import Settings, SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # Readable lines until the settings say which environment this is (what they log themselves,
    # a generated development key, is only ever logged in development).
    configure_logging(as_json=False)
    if args.command == "keys":
        return _keys_new(args.kid, signing=args.signing)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"hexauth: {error}", file=sys.stderr)
        return 2
    if settings.is_production:
        configure_logging(as_json=True)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command in OPERATOR_COMMANDS:
        return run_operator_command(args, settings)
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
    new.add_argument(
        "--signing",
        action="store_true",
        help="print a kid:seed entry (Ed25519) for AUTH_SIGNING_KEYS instead",
    )
    add_operator_commands(commands)
    return parser


def _keys_new(kid: str | None, *, signing: bool) -> int:
    from adapters.tokens.keys import new_key_entry, new_signing_key_entry

    print(new_signing_key_entry(kid) if signing else new_key_entry(kid))
    return 0


def _migrate(settings: Settings) -> int:
    from adapters.persistence.migrate import upgrade
    from adapters.persistence.provision import (
        DatabaseUnusable,
        create_database_if_missing,
        outage_line,
    )

    try:
        if create_database_if_missing(settings.database_url):
            print("hexauth: created the database, which did not exist", file=sys.stderr)
        upgrade(settings.database_url)
    except DatabaseUnusable as unusable:
        print(f"hexauth: {unusable}", file=sys.stderr)
        return 1
    except Exception as error:
        line = outage_line(settings.database_url, error)
        if line is None:  # not about reaching the database: a bug, with its traceback
            raise
        print(f"hexauth: {line}", file=sys.stderr)
        return 1
    return 0


def _serve(settings: Settings, workers: int) -> int:
    from adapters.observability.exposition import metrics_listener
    from adapters.observability.metrics import share_across_processes
    from adapters.persistence.provision import database_problem
    from entrypoints.sealing_keys_check import missing_sealing_keys_refusal

    problem = database_problem(settings.database_url)
    if problem is not None:
        # Served anyway: requests that need the database answer 503 until it answers.
        print(f"hexauth: {problem}", file=sys.stderr)
    else:
        refusal = missing_sealing_keys_refusal(settings)
        if refusal is not None:  # before binding: the operator fixes the keys, then serves
            print(f"hexauth: {refusal}", file=sys.stderr)
            return 1

    # On SIGTERM uvicorn stops accepting, lets in-flight requests finish, then raises the signal
    # again: with this handler in place a completed graceful shutdown exits with status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    # The app reads the settings again where uvicorn builds it (in this process, or in each
    # worker); the keys read above go along (a generated development key's warning is printed
    # once). Written, not read: the settings declaration stays the one reader of the keys.
    os.environ["AUTH_KEYS"] = settings.auth_keys
    if settings.signing_keys:
        os.environ["AUTH_SIGNING_KEYS"] = settings.signing_keys
    share_across_processes(workers)
    with contextlib.ExitStack() as listeners:
        if settings.is_production:
            # Production keeps /metrics off the API's listener (docs/api.md "Configuration"):
            # it is served here, in the parent process, for every worker at once.
            try:
                listeners.enter_context(
                    metrics_listener(settings.metrics_host, settings.metrics_port)
                )
            except OSError as error:
                where = f"{settings.metrics_host}:{settings.metrics_port}"
                print(f"hexauth: cannot listen for metrics on {where}: {error}", file=sys.stderr)
                return 1
        _run_uvicorn(settings, workers)
    return 0


def _run_uvicorn(settings: Settings, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "entrypoints.http.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        # A worker imports and builds the whole app before it answers uvicorn's health check:
        # about 5 s on a busy 2-core host, uvicorn's default limit, after which it is killed.
        timeout_worker_healthcheck=30,
        # The app applies FORWARDED_ALLOW_IPS itself (entrypoints/http/forwarded.py), for the
        # client IP and the CSRF own-origin rule alike; uvicorn's own pass (which would trust
        # 127.0.0.1 by default) stays off, so the headers are never applied twice.
        proxy_headers=False,
        server_header=False,
        # The app logs its own access line (entrypoints/http/access_log.py).
        access_log=False,
        # Applied by uvicorn in this process and again in every worker it spawns.
        log_config=logging_config(as_json=settings.is_production),
    )


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    raise SystemExit(main())
