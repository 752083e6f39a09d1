"""The event loop's lent time: pauses of share * period while work is in flight and the loop is
busy; none when it is idle, none after."""

from __future__ import annotations

import asyncio

import pytest

from adapters.security.cpu_lending import CpuLending
from tests.support.busy_loop import keep_the_loop_busy

PERIOD = 0.004
SHARE = 0.25
PAUSE = SHARE * PERIOD


class RecordedPauses(list[float]):
    """Stands in for time.sleep: remembers each pause and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


async def test_the_loop_pauses_for_its_share_of_each_period_while_work_is_in_flight() -> None:
    pauses = RecordedPauses()
    lending = CpuLending(SHARE, PERIOD, pause=pauses)

    async with lending.lent():
        await keep_the_loop_busy(20 * PERIOD)

    # At most one pause per serving interval of 3 ms: 20 periods of 4 ms hold at most 27.
    assert 3 <= len(pauses) <= 20 * PERIOD / (PERIOD - PAUSE) + 1
    assert pauses == [pytest.approx(PAUSE)] * len(pauses)


async def test_no_pause_once_the_last_work_is_done() -> None:
    pauses = RecordedPauses()
    lending = CpuLending(SHARE, PERIOD, pause=pauses)
    async with lending.lent():
        await keep_the_loop_busy(5 * PERIOD)
    await asyncio.sleep(2 * PERIOD)  # a lender that was mid-interval ends there
    seen = len(pauses)

    await keep_the_loop_busy(20 * PERIOD)

    assert seen > 0
    assert len(pauses) == seen


async def test_work_in_flight_together_shares_one_lender() -> None:
    pauses = RecordedPauses()
    lending = CpuLending(SHARE, PERIOD, pause=pauses)

    async def work() -> None:
        async with lending.lent():
            await keep_the_loop_busy(20 * PERIOD)

    await asyncio.gather(*(work() for _ in range(4)))

    # Four lenders would pause about four times as often.
    assert 3 <= len(pauses) <= 20 * PERIOD / (PERIOD - PAUSE) + 2


async def test_the_pause_goes_on_while_any_work_is_still_in_flight() -> None:
    pauses = RecordedPauses()
    lending = CpuLending(SHARE, PERIOD, pause=pauses)
    second_started = asyncio.Event()
    first_done = asyncio.Event()

    async def first() -> None:
        async with lending.lent():
            await second_started.wait()
        first_done.set()

    async def second() -> int:
        async with lending.lent():
            second_started.set()
            await first_done.wait()
            before = len(pauses)
            await keep_the_loop_busy(10 * PERIOD)
            return len(pauses) - before

    _, pauses_after_the_first_ended = await asyncio.gather(first(), second())

    assert pauses_after_the_first_ended >= 1


async def test_a_share_of_zero_never_pauses() -> None:
    pauses = RecordedPauses()
    lending = CpuLending(0, PERIOD, pause=pauses)

    async with lending.lent():
        await keep_the_loop_busy(10 * PERIOD)

    assert pauses == []


async def test_a_loop_that_leaves_its_core_idle_anyway_never_pauses() -> None:
    pauses = RecordedPauses()
    lending = CpuLending(SHARE, PERIOD, pause=pauses)

    async with lending.lent():
        await asyncio.sleep(20 * PERIOD)  # the loop waits: the hashes have the core

    assert pauses == []


def test_lending_serves_each_event_loop_it_is_used_on() -> None:
    pauses = RecordedPauses()
    lending = CpuLending(SHARE, PERIOD, pause=pauses)

    async def in_flight() -> None:
        async with lending.lent():
            await keep_the_loop_busy(5 * PERIOD)

    asyncio.run(in_flight())
    after_the_first_loop = len(pauses)
    asyncio.run(in_flight())  # a new loop: the first loop's lender is gone with it

    assert after_the_first_loop > 0
    assert len(pauses) > after_the_first_loop


@pytest.mark.parametrize(("share", "period"), [(-0.1, PERIOD), (1.0, PERIOD), (SHARE, 0.0)])
def test_a_share_outside_zero_to_one_or_a_period_not_positive_is_refused(
    share: float, period: float
) -> None:
    with pytest.raises(ValueError, match="share"):
        CpuLending(share, period)
