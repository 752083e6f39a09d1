"""The soak's verdict: which of the answers the users saw are failures, from the records alone.

- A 503 with Retry-After while an injected store outage lasts (or within STORE_SETTLE seconds
  after the store is back) is the designed answer (docs/api.md "Outages"): counted apart. So is
  a 503 of load shedding ("the service is busy": no hashing thread was free within its deadline),
  the designed answer when the host's CPUs are taken, by the soak's own load or by anything else
  running there. Any other 5xx is a failure, a 500 or a 503 outside an outage included.
- A 502 for a request that an instance was serving when that instance was killed with SIGKILL is
  counted apart: nginx cannot pass such a POST on (the instance may have acted on it), so no
  answer but 502 is possible. Any other 502 (a stopped instance, one still starting, nginx
  passing on to an instance that is down) is a failure.
- A transport error (no answer at all) is a failure, except a connection nginx closed or reset
  unanswered while it reloaded its configuration (the deploy's drain): an nginx worker that is
  quitting closes the connections it accepted whose request it has not read yet, and finishes
  every request it has read. Nothing reached an instance; a client may send it again. Counted
  apart. A refused connection, or a timeout, is a failure even then.
- A lost session is a user signed out (refresh or a fresh token refused) in a session it had not
  logged out of itself; counted once per session.
- A lockout is a login with the right password (the simulated users never mistype) answered 401
  or 429.
- A mail sent twice is a message whose Message-ID, or whose recipient and link, came before; a
  missing mail is an account whose registration answered 201 and whose verification never came.
- An unexpected answer is any other 4xx than those the users' own actions explain: 401 on
  /users/me or refresh (judged as sessions), 401/429 on login (lockouts), 409 on a register
  retried after a cut.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bench.soak.events import Exchange, Fault, LoggedOut, Mail, SignedOut

STORE_SETTLE = 3.0
"""Seconds after a store answers again during which a 503 still belongs to its outage: requests
already waiting on the dead connection when it came back."""

STORE_OUTAGES = ("postgres", "redis")
UNREAD = ("RemoteProtocolError: Server disconnected without sending a response", "ReadError")
"""httpx's words for a connection closed before any answer (FIN), or reset (RST: the request's
bytes were still unread in the socket)."""
EXPLAINED_4XX = {("me", 401), ("refresh", 401), ("login", 401), ("login", 429), ("register", 409)}


@dataclass(frozen=True, slots=True)
class Verdict:
    requests: int
    failed_5xx: int
    designed_503: int
    shed_503: int
    cut_by_sigkill: int
    dropped_at_reload: int
    transport_errors: int
    lost_sessions: int
    lockouts: int
    mails_twice: int
    mails_missing: int
    unexpected_4xx: int

    @property
    def failures(self) -> int:
        return (
            self.failed_5xx
            + self.transport_errors
            + self.lost_sessions
            + self.lockouts
            + self.mails_twice
            + self.mails_missing
            + self.unexpected_4xx
        )

    def line(self) -> str:
        outcome = "PASS" if self.failures == 0 else "FAIL"
        apart = (
            f"apart: {self.designed_503} designed 503s in outages, {self.shed_503} 503s shedding "
            f"load, {self.cut_by_sigkill} 502s in flight at a SIGKILL"
        )
        return (
            f"soak {outcome}: {self.requests} requests; 5xx {self.failed_5xx} ({apart}); "
            f"transport errors {self.transport_errors} (apart: {self.dropped_at_reload} dropped "
            f"unread by nginx's reload); lost sessions {self.lost_sessions}; "
            f"lockouts {self.lockouts}; mails sent twice {self.mails_twice}, missing "
            f"{self.mails_missing}; unexpected 4xx {self.unexpected_4xx}"
        )


def judge(
    exchanges: Iterable[Exchange],
    signed_out: Iterable[SignedOut],
    logged_out: Iterable[LoggedOut],
    faults: Iterable[Fault],
    mails: Iterable[Mail],
    registered: Iterable[str],
) -> Verdict:
    exchanges, faults = list(exchanges), list(faults)
    designed = sum(1 for exchange in exchanges if _designed_503(exchange, faults))
    shed = sum(1 for e in exchanges if _shed(e) and not _designed_503(e, faults))
    cut = sum(1 for exchange in exchanges if _cut_by_sigkill(exchange, faults))
    dropped = sum(1 for exchange in exchanges if _dropped_at_reload(exchange, faults))
    server_errors = sum(1 for e in exchanges if e.status is not None and e.status >= 500)
    twice, missing = _mail_faults(list(mails), set(registered))
    return Verdict(
        requests=len(exchanges),
        failed_5xx=server_errors - designed - shed - cut,
        designed_503=designed,
        shed_503=shed,
        cut_by_sigkill=cut,
        dropped_at_reload=dropped,
        transport_errors=sum(1 for exchange in exchanges if exchange.status is None) - dropped,
        lost_sessions=len({(e.user, e.session) for e in lost_sessions(signed_out, logged_out)}),
        lockouts=sum(1 for e in exchanges if e.kind == "login" and e.status in (401, 429)),
        mails_twice=twice,
        mails_missing=missing,
        unexpected_4xx=sum(
            1
            for e in exchanges
            if e.status is not None
            and 400 <= e.status < 500
            and (e.kind, e.status) not in EXPLAINED_4XX
        ),
    )


def failed_answers(exchanges: Iterable[Exchange], faults: Iterable[Fault]) -> list[Exchange]:
    """The 5xx answers and transport errors that count as failures, for the report."""
    faults = list(faults)
    return [
        exchange
        for exchange in exchanges
        if (exchange.status is None or exchange.status >= 500)
        and not _designed_503(exchange, faults)
        and not _shed(exchange)
        and not _cut_by_sigkill(exchange, faults)
        and not _dropped_at_reload(exchange, faults)
    ]


def _designed_503(exchange: Exchange, faults: list[Fault]) -> bool:
    if exchange.status != 503 or not exchange.retry_after:
        return False
    return any(
        fault.kind in STORE_OUTAGES
        and exchange.started <= fault.ended + STORE_SETTLE
        and exchange.ended >= fault.started
        for fault in faults
    )


def _shed(exchange: Exchange) -> bool:
    return exchange.status == 503 and exchange.retry_after and exchange.shed


def _dropped_at_reload(exchange: Exchange, faults: list[Fault]) -> bool:
    if exchange.status is not None or not exchange.error.startswith(UNREAD):
        return False
    return any(
        fault.kind == "reload"
        and exchange.started <= fault.ended
        and exchange.ended >= fault.started
        for fault in faults
    )


def _cut_by_sigkill(exchange: Exchange, faults: list[Fault]) -> bool:
    if exchange.status != 502:
        return False
    last_tried = exchange.upstream.split(",")[-1].strip()
    return any(
        fault.kind == "sigkill"
        and fault.instance == last_tried
        and exchange.started <= fault.started <= exchange.ended
        for fault in faults
    )


def lost_sessions(
    signed_out: Iterable[SignedOut], logged_out: Iterable[LoggedOut]
) -> list[SignedOut]:
    """The sign-outs that no logout of the same user and session, before them, explains."""
    logged_out = list(logged_out)
    return [
        event
        for event in signed_out
        if not any(
            own.user == event.user and own.session == event.session and own.at <= event.at
            for own in logged_out
        )
    ]


def _mail_faults(mails: list[Mail], registered: set[str]) -> tuple[int, int]:
    ids: set[str] = set()
    links: set[tuple[str, str]] = set()
    twice = 0
    for mail in mails:
        if mail.message_id in ids or (mail.recipient, mail.link) in links:
            twice += 1
        ids.add(mail.message_id)
        links.add((mail.recipient, mail.link))
    received = {mail.recipient for mail in mails}
    return twice, len(registered - received)
