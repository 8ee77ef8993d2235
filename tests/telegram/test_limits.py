"""Sliding-window send limits: never more than the limit in any window, and the wait is exact."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.limits import Limit, SendLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_group_gets_twenty_then_waits_for_the_oldest_to_leave_the_window() -> None:
    clock = Clock()
    limits = SendLimits(margin=1.0, clock=clock)
    for _ in range(20):
        assert limits.free(-100) > 0
        limits.take(-100)
        clock.now += 0.1
    assert limits.free(-100) == 0
    assert abs(limits.wait(-100) - (61.0 - 2.0)) < 1e-9  # first send at 1000.0, window 61 s, now 1002.0
    assert limits.free(-200) > 0  # another group is not held up


def test_a_private_chat_gets_one_message_a_second() -> None:
    clock = Clock()
    limits = SendLimits(margin=0.0, clock=clock)
    limits.take(42)
    assert limits.free(42) == 0
    clock.now += 1.0
    assert limits.free(42) == 1


def test_pause_after_a_429_holds_the_chat_until_retry_after() -> None:
    clock = Clock()
    limits = SendLimits(clock=clock)
    limits.pause(-100, 7)
    assert limits.free(-100) == 0 and limits.wait(-100) == 7
    clock.now += 7
    assert limits.free(-100) == 20


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=5.0), min_size=1, max_size=200))
def test_whatever_the_timing_no_window_ever_holds_more_than_the_limit(gaps: list[float]) -> None:
    clock = Clock()
    limits = SendLimits(group=Limit(5, 10.0), overall=Limit(1000, 1.0), margin=0.0, clock=clock)
    sent: list[float] = []
    for gap in gaps:
        clock.now += gap
        if limits.free(-1) > 0:
            limits.take(-1)
            sent.append(clock.now)
        else:
            assert limits.wait(-1) > 0
    for i, start in enumerate(sent):
        assert sum(1 for t in sent[i:] if t - start < 10.0) <= 5


def test_wait_for_several_slots_counts_from_the_right_message() -> None:
    clock = Clock()
    limits = SendLimits(margin=0.0, clock=clock)
    for _ in range(20):
        limits.take(-100)
        clock.now += 1.0  # sent at 1000 … 1019; now 1020
    assert limits.wait(-100, 1) == 40.0  # the first leaves the window at 1060
    assert limits.wait(-100, 4) == 43.0  # the fourth at 1063
