"""The soak's verdict (bench/soak/verdict.py) cannot pass over what it is there to catch: each
failure it names is detected from synthetic records, and the designed answers are kept apart."""

from __future__ import annotations

from typing import Any

from bench.soak.events import Exchange, Fault, LoggedOut, Mail, SignedOut
from bench.soak.verdict import Verdict, failed_answers, judge

KILLED = "127.0.0.1:20001"
POSTGRES_DOWN = Fault("postgres", started=50.0, ended=56.0)
SIGKILL = Fault("sigkill", started=20.0, ended=25.0, instance=KILLED)
RELOAD = Fault("reload", started=30.0, ended=32.0)
UNREAD = "RemoteProtocolError: Server disconnected without sending a response."


def a_me(status: int | None = 200, at: float = 10.0, **fields: Any) -> Exchange:
    return Exchange("ada", "me", at, at + 0.1, status, **fields)


def verdict_of(
    exchanges: list[Exchange] | None = None,
    signed_out: list[SignedOut] | None = None,
    logged_out: list[LoggedOut] | None = None,
    mails: list[Mail] | None = None,
    registered: list[str] | None = None,
) -> Verdict:
    return judge(
        exchanges or [a_me()],
        signed_out or [],
        logged_out or [],
        [POSTGRES_DOWN, SIGKILL, RELOAD],
        mails or [],
        registered or [],
    )


def test_a_clean_run_passes() -> None:
    verdict = verdict_of(
        [a_me(), Exchange("ada", "login", 1.0, 1.4, 200)],
        mails=[Mail("ada@example.com", "<1@x>", "http://app/verify-email#token=a")],
        registered=["ada@example.com"],
    )

    assert verdict.failures == 0
    assert verdict.line().startswith("soak PASS: 2 requests;")


def test_a_500_fails_the_soak_even_during_an_outage() -> None:
    verdict = verdict_of([a_me(500, at=52.0)])

    assert verdict.failed_5xx == 1
    assert verdict.line().startswith("soak FAIL")


def test_a_503_with_retry_after_during_a_store_outage_is_counted_apart() -> None:
    verdict = verdict_of([a_me(503, at=52.0, retry_after=True)])

    assert (verdict.designed_503, verdict.failed_5xx, verdict.failures) == (1, 0, 0)


def test_a_503_outside_any_outage_or_without_retry_after_is_a_failure() -> None:
    verdict = verdict_of([a_me(503, at=30.0, retry_after=True), a_me(503, at=52.0)])

    assert (verdict.designed_503, verdict.failed_5xx) == (0, 2)


def test_a_503_shedding_load_is_counted_apart_but_only_with_retry_after() -> None:
    verdict = verdict_of(
        [a_me(503, at=30.0, retry_after=True, shed=True), a_me(503, at=31.0, shed=True)]
    )

    assert (verdict.shed_503, verdict.failed_5xx) == (1, 1)


def test_a_502_is_apart_only_when_its_instance_was_killed_while_it_was_in_flight() -> None:
    cut = Exchange("ada", "refresh", 19.9, 20.1, 502, upstream=KILLED)
    after_the_kill = Exchange("ada", "refresh", 21.0, 21.1, 502, upstream=KILLED)
    elsewhere = Exchange("ada", "refresh", 19.9, 20.1, 502, upstream="127.0.0.1:20002")

    verdict = verdict_of([cut, after_the_kill, elsewhere])

    assert (verdict.cut_by_sigkill, verdict.failed_5xx) == (1, 2)
    assert failed_answers([cut, after_the_kill, elsewhere], [SIGKILL]) == [
        after_the_kill,
        elsewhere,
    ]


def test_transport_errors_fail_the_soak() -> None:
    verdict = verdict_of([a_me(None)])

    assert verdict.transport_errors == 1
    assert verdict.failures == 1


def test_a_connection_nginx_closed_unread_is_apart_only_while_nginx_reloads() -> None:
    closed = a_me(None, at=30.5, error=UNREAD)
    reset = a_me(None, at=31.0, error="ReadError: ")
    elsewhen = a_me(None, at=40.0, error=UNREAD)
    refused = a_me(None, at=30.5, error="ConnectError: [Errno 111] Connection refused")
    timed_out = a_me(None, at=30.5, error="ReadTimeout: ")
    answers = [closed, reset, elsewhen, refused, timed_out]

    verdict = verdict_of(answers)

    assert (verdict.dropped_at_reload, verdict.transport_errors) == (2, 3)
    assert failed_answers(answers, [RELOAD]) == [elsewhen, refused, timed_out]


def test_a_user_signed_out_without_logging_out_is_a_lost_session_counted_once() -> None:
    verdict = verdict_of(signed_out=[SignedOut("ada", 3, 40.0), SignedOut("ada", 3, 40.5)])

    assert verdict.lost_sessions == 1


def test_a_sign_out_after_the_users_own_logout_of_that_session_is_not_lost() -> None:
    verdict = verdict_of(
        signed_out=[SignedOut("ada", 3, 40.0)], logged_out=[LoggedOut("ada", 3, 39.5)]
    )

    assert verdict.lost_sessions == 0


def test_a_logout_of_another_session_or_user_or_later_does_not_explain_a_sign_out() -> None:
    verdict = verdict_of(
        signed_out=[SignedOut("ada", 3, 40.0)],
        logged_out=[LoggedOut("ada", 2, 30.0), LoggedOut("bob", 3, 30.0), LoggedOut("ada", 3, 41)],
    )

    assert verdict.lost_sessions == 1


def test_a_right_password_refused_at_login_is_a_lockout() -> None:
    verdict = verdict_of(
        [Exchange("ada", "login", 1.0, 1.4, 401), Exchange("bob", "login", 2.0, 2.1, 429)]
    )

    assert verdict.lockouts == 2
    assert verdict.unexpected_4xx == 0


def test_a_mail_arriving_twice_is_detected_by_message_id_or_by_recipient_and_link() -> None:
    first = Mail("ada@example.com", "<1@x>", "http://app/verify-email#token=a")
    same_id = Mail("bob@example.com", "<1@x>", "http://app/verify-email#token=b")
    same_link = Mail("ada@example.com", "<2@x>", "http://app/verify-email#token=a")

    verdict = verdict_of(mails=[first, same_id, same_link], registered=["ada@example.com"])

    assert verdict.mails_twice == 2


def test_a_registration_whose_mail_never_came_is_a_missing_mail() -> None:
    mail = Mail("ada@example.com", "<1@x>", "http://app/verify-email#token=a")

    verdict = verdict_of(mails=[mail], registered=["ada@example.com", "bob@example.com"])

    assert verdict.mails_missing == 1


def test_a_4xx_the_users_own_actions_do_not_explain_is_unexpected() -> None:
    verdict = verdict_of(
        [
            Exchange("ada", "register", 1.0, 1.1, 409),  # retried after a cut: explained
            Exchange("ada", "register", 1.0, 1.1, 429),
            Exchange("ada", "refresh", 1.0, 1.1, 403),
        ]
    )

    assert verdict.unexpected_4xx == 2
