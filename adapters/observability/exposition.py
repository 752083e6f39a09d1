"""`/metrics` on a listener of its own (docs/api.md "Configuration": METRICS_HOST, METRICS_PORT):
prometheus_client's own exposition server, in a thread of the serving process.

With several workers (multiprocess mode, see metrics.py) it runs in the parent process and
reads every worker's metric files through a MultiProcessCollector, as prometheus_client's
documentation for multi-process servers shows: one scrape holds every worker's counts, and a
worker that is restarted keeps its counts in the sum. With one worker it serves the process's
own registry.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

from adapters.observability.metrics import MULTIPROCESS_ENV


@contextmanager
def metrics_listener(host: str, port: int) -> Iterator[None]:
    """Serve the metrics on `host`:`port` while the block runs; stop and close the socket when
    it ends (a SIGTERM's SystemExit included). Raise OSError when the port cannot be bound."""
    registry = REGISTRY
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped in the library
    server, thread = start_http_server(port, addr=host, registry=registry)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
