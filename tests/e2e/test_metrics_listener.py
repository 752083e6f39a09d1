"""docs/api.md "Configuration" (METRICS_HOST, METRICS_PORT): a production `hexauth serve` keeps
`/metrics` off the API's listener and serves it, for every worker at once, on its own."""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from adapters.tokens.keys import new_key_entry
from tests.e2e.served import free_port
from tests.e2e.test_serving import migrated, serve

QUEUE_GAUGES = ("hexauth_reset_requests_queued", "hexauth_mail_outbox_depth")


def production(cwd: Path, metrics_port: int) -> Mapping[str, str]:
    return migrated(
        {
            "APP_ENV": "production",
            "AUTH_KEYS": new_key_entry("metrics"),
            "SMTP_URL": "smtp://127.0.0.1:9",  # required in production; nothing here sends mail
            "METRICS_PORT": str(metrics_port),
        },
        cwd,
    )


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def requests_total(metrics: str, path: str) -> float:
    pattern = re.compile(
        r'^hexauth_http_requests_total\{(?=[^}]*path="' + re.escape(path) + r'")'
        r'(?=[^}]*status_code="200")[^}]*\} (\S+)$',
        re.MULTILINE,
    )
    return sum(float(value) for value in pattern.findall(metrics))


def test_production_answers_404_on_the_api_port_and_serves_metrics_on_its_own(tmp_path):
    metrics_port = free_port()
    with serve(production(tmp_path, metrics_port), tmp_path) as server:
        api = server.base_url
        for method in ("GET", "POST", "PUT", "DELETE"):
            response = httpx.request(method, f"{api}/metrics")
            assert response.status_code == 404, method
            assert response.json()["type"] == "urn:hexauth:problem:not-found"
        assert "/metrics" not in httpx.get(f"{api}/schema/openapi.json").json()["paths"]
        assert httpx.get(f"{api}/health/live").status_code == 200

        scrape = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert server.stop() == 0

    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    for gauge in QUEUE_GAUGES:
        assert re.search(rf"^{gauge} \d", scrape.text, re.MULTILINE), gauge
    assert requests_total(scrape.text, "/health/live") == 1.0
    assert not listening(metrics_port)  # SIGTERM closed the metrics listener too


def test_development_serves_metrics_on_the_api_port_and_opens_no_other(tmp_path):
    metrics_port = free_port()
    env = migrated({"AUTH_KEYS": new_key_entry("dev"), "METRICS_PORT": str(metrics_port)}, tmp_path)
    with serve(env, tmp_path) as server:
        scrape = httpx.get(f"{server.base_url}/metrics")
        assert not listening(metrics_port)

    assert scrape.status_code == 200
    for gauge in QUEUE_GAUGES:
        assert re.search(rf"^{gauge} \d", scrape.text, re.MULTILINE), gauge


@pytest.mark.parametrize("workers", [2])
def test_one_scrape_of_the_metrics_port_holds_every_workers_counts(tmp_path, workers):
    metrics_port = free_port()
    with serve(production(tmp_path, metrics_port), tmp_path, "--workers", str(workers)) as server:
        for _ in range(10):  # a new connection each time: the kernel spreads them over workers
            assert httpx.get(f"{server.base_url}/health/live").status_code == 200
        scrapes = {
            requests_total(
                httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text, "/health/live"
            )
            for _ in range(3)
        }
        assert server.stop() == 0

    assert scrapes == {10.0}
    assert not listening(metrics_port)
