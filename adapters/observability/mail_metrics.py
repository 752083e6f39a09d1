"""The mail queues in `/metrics`: the depth of each queue between a forgot-password request and
SMTP (the reset-request queue and the outbox), and what each sending pass did."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge

from application.answer_reset_requests import AnswerReport
from application.deliver_mail import DeliveryReport


@dataclass(frozen=True, slots=True)
class MailMetrics:
    depth: Gauge
    sent: Counter
    failed_tries: Counter
    given_up: Counter
    reset_requests: Gauge

    def observe_answers(self, report: AnswerReport) -> None:
        self.reset_requests.set(report.waiting)

    def observe(self, report: DeliveryReport) -> None:
        self.depth.set(report.pending)
        self.sent.inc(report.sent)
        self.failed_tries.inc(report.retried + report.given_up)
        self.given_up.inc(report.given_up)


_METRICS: WeakKeyDictionary[CollectorRegistry, MailMetrics] = WeakKeyDictionary()
_LOCK = threading.Lock()


def mail_metrics(registry: CollectorRegistry = REGISTRY) -> MailMetrics:
    """The mail metrics of `registry`, made once (prometheus_client refuses duplicates)."""
    with _LOCK:
        metrics = _METRICS.get(registry)
        if metrics is None:
            metrics = _METRICS[registry] = MailMetrics(
                # Every process sees the same table: the latest reading is the depth.
                depth=Gauge(
                    "hexauth_mail_outbox_depth",
                    "Mails waiting in the outbox (neither sent nor given up)",
                    registry=registry,
                    multiprocess_mode="mostrecent",
                ),
                sent=Counter("hexauth_mail_sent", "Mails delivered", registry=registry),
                failed_tries=Counter(
                    "hexauth_mail_send_failures",
                    "Failed tries to deliver a mail (each is retried or given up)",
                    registry=registry,
                ),
                given_up=Counter(
                    "hexauth_mail_given_up",
                    "Mails given up after the last try",
                    registry=registry,
                ),
                reset_requests=Gauge(
                    "hexauth_reset_requests_queued",
                    "Forgot-password requests waiting to be answered",
                    registry=registry,
                    multiprocess_mode="mostrecent",
                ),
            )
        return metrics
