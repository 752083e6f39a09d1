"""Free TCP ports for the servers the tests start, safe under pytest-xdist.

A port from bind(0) is free only while the probing socket holds it; the server binds it later,
and meanwhile another worker's bind(0) may be handed the same one. So each worker takes ports
from a slice of its own below the kernel's ephemeral range (where bind(0) and outgoing
connections take theirs), starting at a random place in it (two runs at once may share a
slice) and skipping any port that something holds.
"""

from __future__ import annotations

import os
import random
import socket

FIRST_PORT = 20_000
SLICE = 1_000
SLICES = 10  # ports 20000-29999, under Linux's default ephemeral range (32768-60999)


def _slice_start() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # "gw3"; unset without xdist
    index = int(worker.removeprefix("gw")) if worker.removeprefix("gw").isdigit() else 0
    return FIRST_PORT + (index % SLICES) * SLICE


_START = _slice_start()
_next = random.randrange(SLICE)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing holds now, and that no other worker will pick."""
    global _next
    for _ in range(SLICE):
        port = _START + _next
        _next = (_next + 1) % SLICE
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {_START}-{_START + SLICE - 1}")
