"""The one logging setup: JSON lines in production, readable lines in development.

Everything goes through the standard library's `logging`, so our loggers (`hexauth.*`), uvicorn
and SQLAlchemy are all formatted alike, by structlog's `ProcessorFormatter`. Each line carries
the request id of the request it was made in (`RequestIdLogFilter`) and the record's `extra=`
fields as keys (the security events' `event`, `user_id`, `session_id`, `client_ip`, `reason`).

The setup is a `logging.config.dictConfig` dictionary, built here and applied by the CLI and,
through uvicorn's `log_config`, again in every worker process that `serve --workers N` spawns.
Its factories are named by import path, so the dictionary travels to a worker as plain data.
"""

from __future__ import annotations

import logging
import logging.config
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, Processor

from entrypoints.http.request_id import current_request_id

LEVEL = "INFO"
# Keys that add nothing to a line: uvicorn's coloured copy of its message, and what another
# formatter may have left on the record before ours ran.
_NOISE = frozenset({"color_message", "asctime"})


def logging_config(*, as_json: bool, level: str = LEVEL) -> dict[str, Any]:
    """A `dictConfig` dictionary: one handler on stderr, every logger propagating to it.

    stderr rather than stdout, so that a command's own output (`hexauth keys new`) stays clean
    for pipes; container runtimes collect both streams.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "entrypoints.http.request_id.RequestIdLogFilter"},
        },
        "formatters": {"hexauth": {"()": "entrypoints.log_config.formatter", "as_json": as_json}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "hexauth",
                "filters": ["request_id"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # uvicorn's own configuration would give these handlers of their own; ours
            # propagate to the one above instead.
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            # At INFO SQLAlchemy logs every statement with its parameters (password hashes,
            # token ids): never let the root level switch that on.
            "sqlalchemy": {"level": "WARNING", "handlers": [], "propagate": True},
            # aiosqlite logs every statement with its parameters at DEBUG: likewise.
            "aiosqlite": {"level": "WARNING", "handlers": [], "propagate": True},
            # One line per Alembic plugin on every `hexauth migrate`: noise.
            "alembic.runtime.plugins": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def configure_logging(*, as_json: bool, level: str = LEVEL) -> None:
    """Apply `logging_config` to this process."""
    logging.config.dictConfig(logging_config(as_json=as_json, level=level))


def _route_structlog_and_warnings() -> None:
    # structlog's own loggers (none of ours, maybe a fork's) end in the same formatter, and
    # `warnings` become records. Done where the formatter is built, which dictConfig does in
    # every process, uvicorn's workers included.
    logging.captureWarnings(True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _add_request_id,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.EventRenamer("message"),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _skip_what_no_line_shows() -> None:
    # The logging HOWTO's "Optimization" switches: no line shows the thread or the process, so
    # records need not collect them. (The caller's file and line are still collected: the only
    # switch for that is private to `logging`.)
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def formatter(*, as_json: bool) -> structlog.stdlib.ProcessorFormatter:
    """The formatter of every line: a JSON object, or a console line in development."""
    _route_structlog_and_warnings()
    _skip_what_no_line_shows()
    renderer: Processor
    if as_json:
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(),
            event_key="message",
            # Plain tracebacks: the default (rich) one prints local variables, passwords among
            # them.
            exception_formatter=structlog.dev.plain_traceback,
        )
    # A traceback as one string field, so that a JSON object stays on one line.
    tracebacks: list[Processor] = [structlog.processors.format_exc_info] if as_json else []
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            # Records' `extra` may carry a key named `event` (the security events do): the
            # message goes under `message` so that both survive.
            structlog.processors.EventRenamer("message"),
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_noise,
            *tracebacks,
            renderer,
        ],
    )


def _add_request_id(_: Any, __: str, event_dict: EventDict) -> EventDict:
    # For structlog's own loggers; stdlib records get theirs from RequestIdLogFilter.
    event_dict.setdefault("request_id", current_request_id.get())
    return event_dict


def _drop_noise(_: Any, __: str, event_dict: EventDict) -> EventDict:
    for key in [k for k, v in event_dict.items() if v is None or k in _NOISE]:
        del event_dict[key]
    return event_dict
