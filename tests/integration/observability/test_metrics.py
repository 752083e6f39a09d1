from __future__ import annotations

import logging

import pytest
from prometheus_client import CollectorRegistry

from adapters.observability.fan_out import FanOutSecurityEvents
from adapters.observability.metrics import PrometheusSecurityEvents
from application.events import SecurityEvent, SecurityEventKind, SecurityEvents


def total(registry: CollectorRegistry) -> float:
    return sum(
        sample.value
        for metric in registry.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


@pytest.mark.parametrize(
    ("event", "sample", "labels"),
    [
        (SecurityEvent(SecurityEventKind.REGISTERED), "hexauth_registrations_total", {}),
        (SecurityEvent(SecurityEventKind.LOGIN_SUCCEEDED), "hexauth_logins_total", {}),
        (
            SecurityEvent(SecurityEventKind.LOGIN_FAILED, reason="wrong_password"),
            "hexauth_login_failures_total",
            {"reason": "wrong_password"},
        ),
        (SecurityEvent(SecurityEventKind.REFRESHED), "hexauth_refreshes_total", {}),
        (
            SecurityEvent(SecurityEventKind.REFRESH_REUSE_DETECTED),
            "hexauth_refresh_reuse_detected_total",
            {},
        ),
        (SecurityEvent(SecurityEventKind.REFRESH_REPLAYED), "hexauth_refresh_replays_total", {}),
        (
            SecurityEvent(SecurityEventKind.LOGIN_THROTTLED),
            "hexauth_throttled_requests_total",
            {"action": "login"},
        ),
        (
            SecurityEvent(SecurityEventKind.REGISTRATION_THROTTLED),
            "hexauth_throttled_requests_total",
            {"action": "register"},
        ),
        (
            SecurityEvent(SecurityEventKind.REAUTHENTICATION_FAILED, reason="change_password"),
            "hexauth_login_failures_total",
            {"reason": "wrong_current_password"},
        ),
        (
            SecurityEvent(SecurityEventKind.REAUTHENTICATION_THROTTLED, reason="change_password"),
            "hexauth_throttled_requests_total",
            {"action": "change_password"},
        ),
        (
            SecurityEvent(SecurityEventKind.MFA_CODE_FAILED, reason="login"),
            "hexauth_second_factor_events_total",
            {"event": "mfa_code_failed"},
        ),
        (
            SecurityEvent(SecurityEventKind.MFA_THROTTLED, reason="account"),
            "hexauth_throttled_requests_total",
            {"action": "mfa_code"},
        ),
        (
            SecurityEvent(SecurityEventKind.SESSION_REVOKED, reason="logout"),
            "hexauth_sessions_revoked_total",
            {"reason": "logout"},
        ),
    ],
)
def test_each_event_counts_on_its_counter(event, sample, labels):
    registry = CollectorRegistry()
    metrics = PrometheusSecurityEvents(registry)

    metrics.record(event)
    metrics.record(event)

    assert registry.get_sample_value(sample, labels) == 2


@pytest.mark.parametrize("kind", list(SecurityEventKind))
def test_every_kind_of_event_is_counted_somewhere(kind):
    registry = CollectorRegistry()

    PrometheusSecurityEvents(registry).record(SecurityEvent(kind, reason="r"))

    assert total(registry) == 1


def test_several_listeners_on_one_registry_share_its_counters():
    registry = CollectorRegistry()
    one, two = PrometheusSecurityEvents(registry), PrometheusSecurityEvents(registry)

    one.record(SecurityEvent(SecurityEventKind.LOGIN_SUCCEEDED))
    two.record(SecurityEvent(SecurityEventKind.LOGIN_SUCCEEDED))

    assert registry.get_sample_value("hexauth_logins_total") == 2


class _Recording(SecurityEvents):
    def __init__(self) -> None:
        self.events: list[SecurityEvent] = []

    def record(self, event: SecurityEvent) -> None:
        self.events.append(event)


class _Broken(SecurityEvents):
    def record(self, event: SecurityEvent) -> None:
        raise RuntimeError("metrics backend down")


def test_the_fan_out_tells_every_listener():
    first, second = _Recording(), _Recording()
    event = SecurityEvent(SecurityEventKind.REFRESHED)

    FanOutSecurityEvents(first, second).record(event)

    assert first.events == second.events == [event]


def test_a_failing_listener_neither_raises_nor_silences_the_others(caplog):
    after = _Recording()
    event = SecurityEvent(SecurityEventKind.LOGIN_FAILED)

    with caplog.at_level(logging.ERROR, logger="hexauth.observability"):
        FanOutSecurityEvents(_Broken(), after).record(event)

    assert after.events == [event]
    assert "_Broken failed" in caplog.text
