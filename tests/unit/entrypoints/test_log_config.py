from __future__ import annotations

import io
import json
import logging
import pickle
import subprocess
import sys
from collections.abc import Iterator

import pytest

from entrypoints.http.request_id import RequestIdLogFilter, current_request_id
from entrypoints.log_config import formatter, logging_config


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger of our own with the production handler set-up, so pytest's stays untouched."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(as_json=True))
    handler.addFilter(RequestIdLogFilter())
    logger = logging.getLogger("hexauth.test-log-config")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_a_production_line_is_one_json_object_with_the_request_id_and_the_extra_fields(captured):
    logger, stream = captured
    token = current_request_id.set("req-42")
    try:
        logger.warning(
            "security event: %s",
            "login_failed",
            extra={"event": "login_failed", "client_ip": "203.0.113.9", "user_id": None},
        )
    finally:
        current_request_id.reset(token)

    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "security event: login_failed"
    assert record["event"] == "login_failed"  # the extra field, not overwritten by the message
    assert record["request_id"] == "req-42"
    assert record["client_ip"] == "203.0.113.9"
    assert (record["level"], record["logger"]) == ("warning", "hexauth.test-log-config")
    assert record["timestamp"].endswith("Z")
    assert "user_id" not in record  # empty fields are left out


def test_a_traceback_stays_inside_the_one_line(captured):
    logger, stream = captured
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("unhandled")

    [line] = stream.getvalue().splitlines()
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_a_development_line_is_readable_text():
    record = logging.LogRecord("hexauth.x", logging.INFO, __file__, 1, "hello %s", ("ada",), None)
    record.request_id = "req-7"

    line = formatter(as_json=False).format(record)

    assert "hello ada" in line
    assert "request_id=req-7" in line
    assert not line.startswith("{")


def test_the_configuration_travels_to_worker_processes_as_plain_data():
    config = logging_config(as_json=True)

    assert pickle.loads(pickle.dumps(config)) == config  # noqa: S301 (our own bytes)


APPLIED = """
import logging
from entrypoints.log_config import configure_logging
configure_logging(as_json=True)
logging.getLogger("sqlalchemy.engine.Engine").info("SELECT password_hash FROM users")
logging.getLogger("uvicorn.error").info("Started server process")
logging.getLogger("hexauth.http").info("served")
"""


def test_the_applied_setup_formats_every_logger_and_keeps_sql_out():
    done = subprocess.run(
        [sys.executable, "-c", APPLIED], capture_output=True, text=True, check=True, timeout=60
    )

    records = [json.loads(line) for line in done.stderr.splitlines()]
    assert [r["logger"] for r in records] == ["uvicorn.error", "hexauth.http"]
    assert "password_hash" not in done.stderr
    assert done.stdout == ""
