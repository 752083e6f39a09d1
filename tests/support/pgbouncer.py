"""PgBouncer for the tests: Debian's `pgbouncer` in transaction pooling mode on a free port, in
front of the test PostgreSQL server, with few server connections so that clients share them.

Without the binary the tests skip loudly ("PGBOUNCER UNAVAILABLE: ...", which .ci/run refuses);
.ci/run and `make test` install it where they can (root with apt-get).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import URL, make_url

from tests.support.child_processes import stop
from tests.support.ports import free_port

SEARCHED = ("/usr/sbin", "/usr/bin")


class PgBouncerUnavailableError(Exception):
    """No pgbouncer binary, or it did not start; the message says which."""


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer", path=os.pathsep.join([os.environ.get("PATH", ""), *SEARCHED]))
    if found is None:
        raise PgBouncerUnavailableError(
            "no pgbouncer binary (Debian: apt-get install pgbouncer; make test does it as root)"
        )
    return found


@contextlib.contextmanager
def transaction_pooler(server_url: str, server_connections: int = 2) -> Iterator[URL]:
    """PgBouncer with `pool_mode = transaction` in front of the server of `server_url` (an
    asyncpg URL; trust authentication, as the test server has); yields `server_url` aimed at
    it, and stops it afterwards."""
    binary = pgbouncer_binary()
    server = make_url(server_url)
    folder = Path(tempfile.mkdtemp(prefix="hexauth-pgbouncer-"))
    port = free_port()
    as_owner: list[str] = []
    try:
        (folder / "users.txt").write_text(f'"{server.username}" ""\n')
        (folder / "pgbouncer.ini").write_text(
            _config(
                folder, server.host or "127.0.0.1", server.port or 5432, port, server_connections
            )
        )
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            owner = pwd.getpwnam("postgres")
            for path in (folder, *folder.iterdir()):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            as_owner = ["runuser", "-u", "postgres", "--"]
        process = subprocess.Popen(
            [*as_owner, binary, str(folder / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(port, process, folder / "pgbouncer.log")
            yield server.set(host="127.0.0.1", port=port)
        finally:
            stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _config(folder: Path, host: str, port: int, listen: int, server_connections: int) -> str:
    return f"""\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = {server_connections}
max_client_conn = 200
logfile = {folder / "pgbouncer.log"}
"""


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            told = log.read_text()[-1000:] if log.exists() else "(no log)"
            raise PgBouncerUnavailableError(f"pgbouncer exited: {told}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.05)
    raise PgBouncerUnavailableError("pgbouncer did not listen within 30 s")
