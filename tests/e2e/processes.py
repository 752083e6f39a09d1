"""A `hexauth serve` process that a test can signal, with its output kept in a file."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.e2e.served import PATIENCE, free_port


class Server:
    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
        self.process, self.base_url, self.log = process, base_url, log

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def stop(self) -> int:
        """SIGTERM, as an orchestrator stops a container; returns the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=PATIENCE)

    def lines(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if line.strip()]


@contextmanager
def running(
    command: Sequence[str], env: Mapping[str, str], cwd: Path, port: int | None = None
) -> Iterator[Server]:
    """`command` (a `hexauth serve`) on `port` (a free one by default); killed afterwards if
    still running. Pass a port when the environment must name it (APP_URL, say).

    The output goes to a file: a pipe that nobody reads fills up and stalls the server.
    """
    port = port or free_port()
    log = cwd / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            list(command),
            env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"hexauth serve exited:\n{server.log.read_text()}")
        try:
            if httpx.get(f"{server.base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    log = server.log.read_text()
    raise RuntimeError(f"hexauth serve did not answer within {PATIENCE:.0f} s:\n{log}")
