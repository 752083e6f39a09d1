"""Prometheus metrics: request counts and latencies per route, and the security counters.

`/metrics` is unauthenticated, like most exporters. In production it is not served here at all
but on a listener of its own (METRICS_HOST:METRICS_PORT, adapters/observability/exposition.py);
in development the API's listener serves it. It is left out of the OpenAPI document, which
describes the API.
"""

from __future__ import annotations

from litestar.plugins.prometheus import PrometheusConfig, PrometheusController

METRICS_PATH = "/metrics"


class MetricsController(PrometheusController):
    path = METRICS_PATH
    include_in_schema = False


def prometheus_config() -> PrometheusConfig:
    """`hexauth_http_requests_total`, `hexauth_http_request_duration_seconds` and friends.

    Labelled by the route template (`/auth/sessions/{id:uuid}`), never the raw path, so the
    number of series stays bounded whatever paths clients send; unknown paths are answered
    before the middleware and not counted. Scrapes of `/metrics` itself are not counted either.
    """
    return PrometheusConfig(
        app_name="hexauth",
        prefix="hexauth_http",
        group_path=True,
        exclude=[f"^{METRICS_PATH}$"],
    )
