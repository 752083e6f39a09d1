from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.system import RandomIds, SystemClock


def test_the_clock_gives_aware_utc_to_the_whole_second():
    before = datetime.now(UTC).replace(microsecond=0)

    now = SystemClock().now()

    assert now.tzinfo is UTC
    assert now.microsecond == 0
    assert before <= now <= before + timedelta(seconds=2)


def test_ids_are_unique_and_token_ids_carry_128_random_bits():
    ids = RandomIds()

    row_ids = {ids.new_id() for _ in range(1000)}
    token_ids = {ids.new_token_id() for _ in range(1000)}

    assert len(row_ids) == 1000
    assert len(token_ids) == 1000
    assert all(len(token_id) == 22 for token_id in token_ids)  # 16 bytes, base64url
