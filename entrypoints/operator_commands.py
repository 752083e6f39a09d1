"""The operator's commands: `hexauth users create|disable|enable|verify|delete|mfa-reset EMAIL`,
`hexauth sessions prune`, `hexauth mail test ADDRESS`.

Each runs one use case from the same Container the HTTP app uses, so an account made or
disabled here obeys exactly the rules it would over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TextIO

from application.mail_ports import MailUnavailable
from application.operator.create_user import CreateUserCommand
from application.operator.mark_email_verified import MarkEmailVerifiedCommand
from application.operator.prune_sessions import PruneSessionsCommand
from application.operator.remove_account import RemoveAccountCommand
from application.operator.reset_second_factor import ResetSecondFactorCommand
from application.operator.send_test_mail import SendTestMailCommand
from application.operator.set_account_active import SetAccountActiveCommand
from domain.email import Email
from domain.errors import AccountNotFound, EmailAlreadyRegistered, InvalidValue
from entrypoints.settings import Settings

OPERATOR_COMMANDS = ("users", "sessions", "mail")
DEFAULT_PRUNE_DAYS = 30


class PasswordInputError(Exception):
    """No usable password was typed or piped in."""


def add_operator_commands(commands: Any) -> None:
    """Add `users` and `sessions` to the `hexauth` subcommands (argparse's subparsers action)."""
    users = commands.add_parser("users", help="create, disable and enable accounts")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    create = user_commands.add_parser(
        "create",
        help="create an account; the password is asked for on a terminal, else read from stdin",
    )
    create.add_argument("email")
    disable = user_commands.add_parser(
        "disable", help="refuse the account's sign-in and tokens, and revoke its sessions"
    )
    disable.add_argument("email")
    enable = user_commands.add_parser("enable", help="let a disabled account sign in again")
    enable.add_argument("email")
    verify = user_commands.add_parser(
        "verify", help="mark the account's email verified, as if its owner followed the link"
    )
    verify.add_argument("email")
    delete = user_commands.add_parser(
        "delete", help="delete the account with its sessions, links and queued mail"
    )
    delete.add_argument("email")
    mfa_reset = user_commands.add_parser(
        "mfa-reset",
        help="remove the account's TOTP and recovery codes (for an owner who lost both) and end "
        "its sessions",
    )
    mfa_reset.add_argument("email")

    mail = commands.add_parser("mail", help="check the mail settings")
    mail_commands = mail.add_subparsers(dest="mail_command", required=True)
    test = mail_commands.add_parser(
        "test", help="send a test mail to ADDRESS now (past the outbox) and say how it went"
    )
    test.add_argument("address")

    sessions = commands.add_parser("sessions", help="look after the refresh sessions table")
    session_commands = sessions.add_subparsers(dest="sessions_command", required=True)
    prune = session_commands.add_parser(
        "prune", help="delete sessions that expired or were revoked more than DAYS ago"
    )
    prune.add_argument(
        "--older-than",
        type=_days,
        default=DEFAULT_PRUNE_DAYS,
        metavar="DAYS",
        help=f"keep dead sessions this many days (default {DEFAULT_PRUNE_DAYS})",
    )


def run_operator_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the command `args` names; 0 when done, 1 with a message on stderr when refused."""
    # Imported here, as `serve` imports uvicorn: `hexauth keys new` need not load it all.
    from sqlalchemy.exc import SQLAlchemyError

    try:
        password = read_password(sys.stdin, getpass.getpass) if _is_create(args) else None
        return asyncio.run(_run(args, settings, password))
    except PasswordInputError as error:
        return _refused(str(error))
    except InvalidValue as error:
        return _refused(f"{error.field}: {error.message}")
    except EmailAlreadyRegistered:
        return _refused(f"an account with the email {Email.parse(args.email)} already exists")
    except AccountNotFound as error:
        return _refused(str(error))
    except MailUnavailable as error:
        return _refused(f"the mail server did not take the mail ({error}); check SMTP_URL")
    except SQLAlchemyError as error:
        reason = type(getattr(error, "orig", None) or error).__name__
        return _refused(f"the database could not be used ({reason}); has `hexauth migrate` run?")


def read_password(stdin: TextIO, ask: Callable[[str], str]) -> str:
    """From a terminal: asked twice without echo (`ask`). Otherwise: the first line of stdin.

    Never from an argument, which would end up in shell history and `ps` output.
    """
    if stdin.isatty():
        password = ask("Password: ")
        if ask("Password again: ") != password:
            raise PasswordInputError("the two passwords differ")
    else:
        password = stdin.readline().removesuffix("\n").removesuffix("\r")
    if not password:
        raise PasswordInputError("no password given")
    return password


async def _run(args: argparse.Namespace, settings: Settings, password: str | None) -> int:
    from dependency_injector import providers

    from entrypoints.container import Container

    container = Container()
    container.settings.override(providers.Object(settings))
    try:
        if args.command == "sessions":
            pruned = await container.prune_sessions().execute(
                PruneSessionsCommand(older_than=timedelta(days=args.older_than))
            )
            print(f"pruned {_count(pruned, 'session')} dead for over {args.older_than} days")
        elif args.command == "mail":
            await container.send_test_mail().execute(SendTestMailCommand(args.address))
            where = "to the SMTP server" if settings.smtp_url else "as an .eml file (.data/outbox)"
            print(f"sent a test mail to {Email.parse(args.address)} {where}")
        elif args.users_command == "verify":
            done = await container.mark_email_verified().execute(
                MarkEmailVerifiedCommand(args.email)
            )
            email = done.user.email
            print(f"verified {email}" if done.changed else f"{email} was already verified")
        elif args.users_command == "delete":
            removed = await container.remove_account().execute(RemoveAccountCommand(args.email))
            print(f"deleted {removed.email} (id {removed.id})")
        elif args.users_command == "mfa-reset":
            reset = await container.reset_second_factor().execute(
                ResetSecondFactorCommand(args.email)
            )
            what = "removed TOTP and recovery codes of" if reset.removed else "no TOTP on"
            revoked = _count(reset.sessions_revoked, "session")
            print(f"{what} {reset.user.email}; revoked {revoked}")
        elif password is not None:
            user = await container.create_user().execute(CreateUserCommand(args.email, password))
            print(f"created {user.email} (id {user.id})")
        else:
            active = args.users_command == "enable"
            activity = await container.set_account_active().execute(
                SetAccountActiveCommand(args.email, active)
            )
            state = "enabled" if active else "disabled"
            email = activity.user.email
            message = f"{state} {email}" if activity.changed else f"{email} was already {state}"
            if not active:
                message += f"; revoked {_count(activity.sessions_revoked, 'session')}"
            print(message)
        return 0
    finally:
        await container.engine().dispose()
        if _is_create(args):
            container.password_hasher().close()


def _is_create(args: argparse.Namespace) -> bool:
    command: str = args.command
    return command == "users" and args.users_command == "create"


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if days < 0:
        raise argparse.ArgumentTypeError("DAYS must not be negative")
    return days


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _refused(message: str) -> int:
    print(f"hexauth: {message}", file=sys.stderr)
    return 1
