"""Everything the benchmark starts, recorded so that it is always stopped.

- Each server and load generator runs in its own process group (its own session), pinned to
  the CPUs asked for, and receives SIGTERM if the benchmark dies (`PR_SET_PDEATHSIG`).
- The state file lists each process (PID and start time, so a reused PID is never touched),
  the throwaway PostgreSQL cluster and the benchmark database. A run killed with SIGKILL is
  cleaned up by the next run, which reads that file first.
- One run at a time: a second one would share the cores and the state file.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

STATE_FILE = Path(tempfile.gettempdir()) / "hexauth-bench.state"
LOCK_FILE = Path(tempfile.gettempdir()) / "hexauth-bench.lock"
CLUSTER_PREFIX = str(Path(tempfile.gettempdir()) / "hexauth-pg-")
_PR_SET_PDEATHSIG = 1


def usable_cpus() -> set[int]:
    return set(os.sched_getaffinity(0))


def _start_time(pid: int) -> str | None:
    """The process start time in clock ticks (field 22 of /proc/PID/stat), None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain spaces.
    return stat.rsplit(")", 1)[1].split()[19]


def _child_setup(cpus: set[int] | None) -> Callable[[], None]:
    def setup() -> None:
        if cpus:
            os.sched_setaffinity(0, cpus)
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return setup


def stop_group(pid: int, grace: float = 10.0) -> None:
    """SIGTERM the process group led by `pid`, wait up to `grace` seconds, then SIGKILL it."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def stop_cluster_folder(folder: str) -> None:
    """Stop a throwaway cluster recorded by a dead run (immediate shutdown) and delete it."""
    if not folder.startswith(CLUSTER_PREFIX):
        return
    pid_file = Path(folder) / "data" / "postmaster.pid"
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int(pid_file.read_text().splitlines()[0])
        if b"postgres" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGQUIT)  # the postmaster's "immediate shutdown"
            for _ in range(100):
                if _start_time(pid) is None:
                    break
                time.sleep(0.1)
    shutil.rmtree(folder, ignore_errors=True)


class Registry:
    """The processes, cluster and database of this run; `close` stops and forgets them all."""

    def __init__(self, state_file: Path = STATE_FILE) -> None:
        self._state_file = state_file
        self._processes: list[subprocess.Popen[bytes]] = []
        self._state_file.touch(mode=0o600)
        self._state_file.write_text("")

    def note(self, kind: str, *fields: str) -> None:
        with self._state_file.open("a") as state:
            state.write(" ".join((kind, *fields)) + "\n")

    def start(
        self,
        argv: Sequence[str | os.PathLike[str]],
        *,
        env: Mapping[str, str],
        cpus: set[int] | None,
        stdout: IO[Any] | int | None = subprocess.DEVNULL,
        stderr: IO[Any] | int | None = subprocess.DEVNULL,
        cwd: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start `argv` pinned to `cpus`, in its own process group, and record it."""
        process = subprocess.Popen(  # noqa: S603 (argv is built by the benchmark itself)
            [str(arg) for arg in argv],
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            # Only the main thread starts processes, which preexec_fn needs.
            preexec_fn=_child_setup(cpus),
        )
        self._processes.append(process)
        self.note("pid", str(process.pid), _start_time(process.pid) or "0")
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        stop_group(process.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        if process in self._processes:
            self._processes.remove(process)

    def stop_all(self) -> None:
        for process in reversed(self._processes[:]):
            self.stop(process)

    def close(self) -> None:
        self.stop_all()
        self._state_file.unlink(missing_ok=True)


def clean_up_stale_run(
    state_file: Path = STATE_FILE, drop_database: Callable[[str, str], None] | None = None
) -> list[str]:
    """Stop what a run that died without cleaning up left behind; return what was done."""
    if not state_file.exists():
        return []
    done = []
    for line in state_file.read_text().splitlines():
        kind, _, rest = line.partition(" ")
        fields = rest.split()
        if kind == "pid" and len(fields) == 2 and fields[0].isdigit():
            pid = int(fields[0])
            if _start_time(pid) == fields[1]:
                stop_group(pid)
                done.append(f"stopped process group {pid}")
        elif kind == "cluster" and fields:
            stop_cluster_folder(fields[0])
            done.append(f"removed cluster {fields[0]}")
        elif kind == "database" and len(fields) == 2 and drop_database is not None:
            with contextlib.suppress(Exception):
                drop_database(fields[0], fields[1])
                done.append(f"dropped database {fields[1]}")
    state_file.unlink(missing_ok=True)
    return done


@contextlib.contextmanager
def single_run_lock(lock_file: Path = LOCK_FILE) -> Iterator[None]:
    with lock_file.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"another benchmark is running (lock {lock_file})") from None
        yield
