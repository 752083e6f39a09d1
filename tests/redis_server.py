"""A Redis server for the tests that need one, found like PostgreSQL (see tests/conftest.py).

In this order: env TEST_REDIS_URL (it must answer); a `redis-server` binary (PATH or
/usr/bin) started on a free port in a temporary folder and stopped afterwards. A shared server
(TEST_REDIS_URL) outlives the run and may serve others: tests work in a namespace of their own and
delete only its keys, never FLUSHALL.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from tests.support.child_processes import stop
from tests.support.ports import free_port

LOCAL_BINARY = Path("/usr/bin/redis-server")


class RedisUnavailableError(Exception):
    """No Redis server could be found or started; the message says what was tried."""


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Yield a redis:// URL of a server that answers, stopping it afterwards if we started it."""
    explicit = os.environ.get("TEST_REDIS_URL")
    if explicit:
        try:
            _ping(explicit)
        except redis.RedisError as error:
            # Asked for by name: a mistake to report, not a reason to quietly use another.
            raise RuntimeError(f"TEST_REDIS_URL is set but does not answer: {error!r}") from error
        yield explicit
        return
    with own_redis_server() as url:
        yield url


@contextlib.contextmanager
def own_redis_server() -> Iterator[str]:
    """A redis-server of our own (whatever TEST_REDIS_URL says), so that every command it
    counts is ours: the capacity benchmark reads INFO commandstats."""
    found = shutil.which("redis-server")
    binary = Path(found) if found else LOCAL_BINARY
    if not binary.is_file():
        raise RedisUnavailableError(
            "TEST_REDIS_URL is not set and no redis-server binary was found on PATH or at "
            f"{LOCAL_BINARY}"
        )
    with _throwaway_server(binary) as url:
        yield url


@contextlib.contextmanager
def _throwaway_server(binary: Path) -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="hexauth-redis-"))
    port = free_port()
    command = [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(folder)]
    process = subprocess.Popen(
        command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read() if process.stderr else ""
            raise RedisUnavailableError(f"redis-server exited: {stderr.strip()[-500:]}")
        try:
            _ping(url)
            return
        except redis.RedisError:
            time.sleep(0.05)
    raise RedisUnavailableError("redis-server did not answer within 20 s")


def _ping(url: str) -> None:
    with redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2) as client:
        client.ping()


def delete_namespace(url: str, namespace: str) -> None:
    """Delete the keys of one test's namespace (`<namespace>:*`), and nothing else."""
    with redis.Redis.from_url(url) as client:
        keys = list(client.scan_iter(match=f"{namespace}:*", count=500))
        if keys:
            client.delete(*keys)
