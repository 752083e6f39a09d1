from datetime import timedelta

import pytest

from domain.errors import SessionExpired, SessionRevoked
from domain.session import Presented
from tests.builders import NOW, a_lifetime, a_session, a_user

LIFETIME = a_lifetime(
    idle=timedelta(days=14), absolute=timedelta(days=30), reuse_grace=timedelta(seconds=5)
)
GRACE = LIFETIME.reuse_grace


def test_a_new_session_expires_after_the_idle_time_and_at_the_latest_the_absolute_time() -> None:
    session = a_session(token_id="t1", now=NOW, lifetime=LIFETIME, user_agent="Firefox")

    assert session.current_token_id == "t1"
    assert session.previous_token_id is None
    assert session.created_at == session.last_used_at == NOW
    assert session.idle_expires_at == NOW + timedelta(days=14)
    assert session.expires_at == NOW + timedelta(days=30)
    assert session.revoked_at is None
    assert session.user_agent == "Firefox"


def test_the_idle_expiry_is_capped_at_the_absolute_expiry() -> None:
    lifetime = a_lifetime(idle=timedelta(days=40), absolute=timedelta(days=30))
    session = a_session(now=NOW, lifetime=lifetime)
    assert session.idle_expires_at == session.expires_at == NOW + timedelta(days=30)


def test_the_current_token_is_judged_current() -> None:
    session = a_session(token_id="t1")
    assert session.judge("t1", NOW, GRACE) is Presented.CURRENT


def test_a_token_the_session_never_issued_is_judged_reused() -> None:
    session = a_session(token_id="t1")
    assert session.judge("unknown", NOW, GRACE) is Presented.REUSED


def test_the_previous_token_inside_the_grace_window_is_judged_a_replay_of_the_rotation() -> None:
    session = a_session(token_id="t1")
    session.rotate("t2", NOW, LIFETIME)

    assert session.judge("t1", NOW, GRACE) is Presented.REPLAY_OF_LAST_ROTATION
    assert session.judge("t1", NOW + GRACE, GRACE) is Presented.REPLAY_OF_LAST_ROTATION


def test_the_previous_token_after_the_grace_window_is_judged_reused() -> None:
    session = a_session(token_id="t1")
    session.rotate("t2", NOW, LIFETIME)

    late = NOW + GRACE + timedelta(microseconds=1)
    assert session.judge("t1", late, GRACE) is Presented.REUSED


def test_a_token_older_than_the_previous_one_is_judged_reused_even_inside_the_grace() -> None:
    session = a_session(token_id="t1")
    session.rotate("t2", NOW, LIFETIME)
    session.rotate("t3", NOW, LIFETIME)

    assert session.judge("t1", NOW, GRACE) is Presented.REUSED
    assert session.judge("t2", NOW, GRACE) is Presented.REPLAY_OF_LAST_ROTATION
    assert session.judge("t3", NOW, GRACE) is Presented.CURRENT


def test_a_zero_grace_judges_the_previous_token_reused_even_in_the_same_instant() -> None:
    session = a_session(token_id="t1")
    session.rotate("t2", NOW, LIFETIME)

    assert session.judge("t1", NOW, timedelta(0)) is Presented.REUSED


def test_rotating_makes_the_new_token_current_and_the_old_one_previous() -> None:
    session = a_session(token_id="t1", now=NOW, lifetime=LIFETIME)
    later = NOW + timedelta(days=3)

    session.rotate("t2", later, LIFETIME)

    assert session.current_token_id == "t2"
    assert session.previous_token_id == "t1"
    assert session.rotated_at == later
    assert session.last_used_at == later
    assert session.created_at == NOW


def test_rotating_extends_the_idle_expiry_but_not_the_absolute_one() -> None:
    session = a_session(now=NOW, lifetime=LIFETIME)
    later = NOW + timedelta(days=10)

    session.rotate("t2", later, LIFETIME)

    assert session.idle_expires_at == later + timedelta(days=14)
    assert session.expires_at == NOW + timedelta(days=30)


def test_rotating_never_extends_the_idle_expiry_beyond_the_absolute_one() -> None:
    session = a_session(now=NOW, lifetime=LIFETIME)
    session.rotate("t2", NOW + timedelta(days=10), LIFETIME)

    session.rotate("t3", NOW + timedelta(days=20), LIFETIME)

    assert session.idle_expires_at == session.expires_at == NOW + timedelta(days=30)


def test_a_fresh_session_is_live() -> None:
    session = a_session(now=NOW, lifetime=LIFETIME)
    session.ensure_live(NOW)
    assert session.is_live(NOW)


def test_a_session_expires_at_its_idle_expiry() -> None:
    session = a_session(now=NOW, lifetime=LIFETIME)
    idle_end = NOW + timedelta(days=14)

    session.ensure_live(idle_end - timedelta(microseconds=1))
    assert session.is_expired(idle_end)
    with pytest.raises(SessionExpired):
        session.ensure_live(idle_end)


def test_a_session_expires_at_its_absolute_expiry_however_recently_used() -> None:
    session = a_session(now=NOW, lifetime=LIFETIME)
    for day in (13, 26):
        session.rotate(f"t{day}", NOW + timedelta(days=day), LIFETIME)

    assert session.is_live(NOW + timedelta(days=30) - timedelta(microseconds=1))
    with pytest.raises(SessionExpired):
        session.ensure_live(NOW + timedelta(days=30))


def test_a_revoked_session_is_not_live() -> None:
    session = a_session(now=NOW)
    session.revoke(NOW)

    assert not session.is_live(NOW)
    with pytest.raises(SessionRevoked):
        session.ensure_live(NOW)


def test_revocation_is_reported_before_expiry() -> None:
    session = a_session(now=NOW, lifetime=LIFETIME)
    session.revoke(NOW)
    with pytest.raises(SessionRevoked):
        session.ensure_live(NOW + timedelta(days=31))


def test_revoking_twice_keeps_the_first_time() -> None:
    session = a_session(now=NOW)
    session.revoke(NOW)
    session.revoke(NOW + timedelta(hours=1))
    assert session.revoked_at == NOW


def test_a_revoked_session_cannot_rotate() -> None:
    session = a_session(token_id="t1", now=NOW)
    session.revoke(NOW)

    with pytest.raises(SessionRevoked):
        session.rotate("t2", NOW, LIFETIME)
    assert session.current_token_id == "t1"


def test_an_expired_session_cannot_rotate() -> None:
    session = a_session(token_id="t1", now=NOW, lifetime=LIFETIME)

    with pytest.raises(SessionExpired):
        session.rotate("t2", NOW + timedelta(days=14), LIFETIME)
    assert session.current_token_id == "t1"
    assert session.previous_token_id is None


def test_the_refresh_token_expiry_is_the_idle_expiry_in_whole_seconds() -> None:
    session = a_session(now=NOW + timedelta(microseconds=999_999), lifetime=LIFETIME)

    assert session.refresh_token_expires_at == NOW + timedelta(days=14)
    session.rotate("t2", NOW + timedelta(days=1, seconds=2.5), LIFETIME)
    assert session.refresh_token_expires_at == NOW + timedelta(days=15, seconds=2)


def test_a_session_keeps_the_credentials_version_its_login_checked() -> None:
    owner = a_user(credentials_version=3)
    session = a_session(user_id=owner.id, credentials_version=3)

    assert not session.predates_credentials_of(owner)
    owner.change_password_hash("another")
    assert session.predates_credentials_of(owner)
