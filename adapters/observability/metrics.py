"""Security events as Prometheus counters, served at `/metrics` with the request metrics."""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from prometheus_client import REGISTRY, CollectorRegistry, Counter

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True, slots=True)
class SecurityCounters:
    registrations: Counter
    logins: Counter
    login_failures: Counter
    refreshes: Counter
    refresh_reuse: Counter
    refresh_replays: Counter
    throttled: Counter
    sessions_revoked: Counter
    account_lifecycle: Counter
    passkeys: Counter
    second_factor: Counter

    @classmethod
    def register(cls, registry: CollectorRegistry) -> SecurityCounters:
        def counter(name: str, documentation: str, *labels: str) -> Counter:
            return Counter(name, documentation, labels, registry=registry)

        return cls(
            registrations=counter("hexauth_registrations", "Accounts registered"),
            logins=counter("hexauth_logins", "Successful logins with a password alone"),
            login_failures=counter(
                "hexauth_login_failures",
                "Refused password checks (unknown_email, wrong_password, account_disabled; "
                "wrong_current_password when a signed-in user gave a wrong one)",
                "reason",
            ),
            refreshes=counter("hexauth_refreshes", "Successful refresh-token rotations"),
            refresh_reuse=counter(
                "hexauth_refresh_reuse_detected",
                "Rotated refresh tokens presented again: the session was revoked",
            ),
            refresh_replays=counter(
                "hexauth_refresh_replays",
                "Previous refresh tokens inside the grace window, answered with the current one",
            ),
            throttled=counter(
                "hexauth_throttled_requests",
                "Requests refused with 429 (login, register, change_password...)",
                "action",
            ),
            sessions_revoked=counter(
                "hexauth_sessions_revoked", "Sessions revoked (logout, logout_all...)", "reason"
            ),
            account_lifecycle=counter(
                "hexauth_account_lifecycle_events",
                "Resets requested and done, links refused, emails verified, accounts deleted, "
                "mails given up",
                "event",
            ),
            passkeys=counter(
                "hexauth_passkey_events",
                "Passkeys registered, rejected and removed; passkey sign-ins succeeded and "
                "failed; signature counters gone backwards",
                "event",
            ),
            second_factor=counter(
                "hexauth_second_factor_events",
                "TOTP enabled and removed, wrong codes, recovery codes used and renewed, and "
                "sign-ins completed with a code (mfa_login_succeeded; hexauth_logins counts "
                "one-step sign-ins)",
                "event",
            ),
        )


# prometheus_client refuses a second metric of the same name in one registry, and the default
# registry is global: the counters are made once per registry, however many containers (apps in
# one test process, say) ask for them.
_COUNTERS: WeakKeyDictionary[CollectorRegistry, SecurityCounters] = WeakKeyDictionary()
_LOCK = threading.Lock()


def security_counters(registry: CollectorRegistry = REGISTRY) -> SecurityCounters:
    with _LOCK:
        counters = _COUNTERS.get(registry)
        if counters is None:
            counters = _COUNTERS[registry] = SecurityCounters.register(registry)
        return counters


class PrometheusSecurityEvents(SecurityEvents):
    """Counts security events; labels are bounded (event reasons and actions are code constants).

    Counting is in memory (or an mmap'ed file in multiprocess mode): it never blocks.
    """

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self._counters = security_counters(registry)

    def record(self, event: SecurityEvent) -> None:
        counters = self._counters
        match event.kind:
            case SecurityEventKind.REGISTERED:
                counters.registrations.inc()
            case SecurityEventKind.LOGIN_SUCCEEDED:
                counters.logins.inc()
            case SecurityEventKind.MFA_THROTTLED:
                counters.throttled.labels(action="mfa_code").inc()
            case (
                SecurityEventKind.MFA_LOGIN_SUCCEEDED
                | SecurityEventKind.MFA_ENABLED
                | SecurityEventKind.MFA_REMOVED
                | SecurityEventKind.MFA_CODE_FAILED
                | SecurityEventKind.RECOVERY_CODE_USED
                | SecurityEventKind.RECOVERY_CODES_RENEWED
            ):
                counters.second_factor.labels(event=event.kind.value).inc()
            case SecurityEventKind.LOGIN_FAILED:
                counters.login_failures.labels(reason=event.reason or "unknown").inc()
            case SecurityEventKind.LOGIN_THROTTLED:
                counters.throttled.labels(action="login").inc()
            case SecurityEventKind.REGISTRATION_THROTTLED:
                counters.throttled.labels(action="register").inc()
            case SecurityEventKind.REAUTHENTICATION_FAILED:
                counters.login_failures.labels(reason="wrong_current_password").inc()
            case SecurityEventKind.PASSKEY_SIGN_IN_THROTTLED:
                counters.throttled.labels(action="passkey_sign_in").inc()
            case (
                SecurityEventKind.PASSKEY_REGISTERED
                | SecurityEventKind.PASSKEY_REJECTED
                | SecurityEventKind.PASSKEY_REMOVED
                | SecurityEventKind.PASSKEY_SIGN_IN_SUCCEEDED
                | SecurityEventKind.PASSKEY_SIGN_IN_FAILED
                | SecurityEventKind.PASSKEY_COUNTER_REGRESSED
            ):
                counters.passkeys.labels(event=event.kind.value).inc()
            case SecurityEventKind.REAUTHENTICATION_THROTTLED:
                counters.throttled.labels(action=event.reason or "reauthentication").inc()
            case SecurityEventKind.REFRESHED:
                counters.refreshes.inc()
            case SecurityEventKind.REFRESH_REUSE_DETECTED:
                counters.refresh_reuse.inc()
            case SecurityEventKind.REFRESH_REPLAYED:
                counters.refresh_replays.inc()
            case SecurityEventKind.SESSION_REVOKED:
                counters.sessions_revoked.labels(reason=event.reason or "unknown").inc()
            case (
                SecurityEventKind.RESET_REQUESTED
                | SecurityEventKind.RESET_DONE
                | SecurityEventKind.LINK_REFUSED
                | SecurityEventKind.EMAIL_VERIFIED
                | SecurityEventKind.ACCOUNT_DELETED
                | SecurityEventKind.MAIL_FAILED
            ):
                counters.account_lifecycle.labels(event=event.kind.value).inc()


def share_across_processes(processes: int) -> None:
    """With several worker processes, make `/metrics` report all of them, not whichever answers.

    prometheus_client's multiprocess mode: every process writes its metrics to files in one
    folder, named by `PROMETHEUS_MULTIPROC_DIR`, and a scrape sums them. The folder must start
    empty, so a fresh one is made here (removed when this process exits) unless the operator
    named one. Call it before the workers start: they inherit the variable, and prometheus_client
    reads it when first imported.
    """
    if processes <= 1 or os.environ.get(MULTIPROCESS_ENV):
        return
    folder = tempfile.TemporaryDirectory(prefix="hexauth-metrics-")
    atexit.register(folder.cleanup)
    os.environ[MULTIPROCESS_ENV] = folder.name
