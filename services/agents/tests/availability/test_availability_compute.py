"""The pure availability and opening-hours rules: time is an argument, no database, no clock."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdoor_agents.availability.compute import (
    HoursRule,
    Interval,
    OpeningRules,
    agent_timeline,
    day_span,
    next_boundary,
    open_intervals,
    opening_state,
    reason_state_at,
    weekly_intervals,
)
from frontdoor_agents.testing import oslo

OSLO = ZoneInfo("Europe/Oslo")
WEEKDAYS = HoursRule(frozenset(range(5)), time(8, 0), time(15, 30))


def test_a_meeting_blocks_the_agent_exactly_for_its_duration() -> None:
    meeting = Interval(oslo(2027, 1, 4, 10), oslo(2027, 1, 4, 12))
    line = agent_timeline(oslo(2027, 1, 4), oslo(2027, 1, 5), working=None, meetings=[meeting], all_day=[])
    assert reason_state_at(line, oslo(2027, 1, 4, 9, 59)).on is False
    state = reason_state_at(line, oslo(2027, 1, 4, 10))
    assert (state.on, state.reason, state.since, state.until) == (
        True,
        "meeting",
        oslo(2027, 1, 4, 10),
        oslo(2027, 1, 4, 12),
    )
    assert reason_state_at(line, oslo(2027, 1, 4, 12)).on is False
    assert next_boundary(line, oslo(2027, 1, 4, 9)) == oslo(2027, 1, 4, 10)


def test_back_to_back_meetings_block_until_the_last_one_ends() -> None:
    meetings = [
        Interval(oslo(2027, 1, 4, 10), oslo(2027, 1, 4, 11)),
        Interval(oslo(2027, 1, 4, 11), oslo(2027, 1, 4, 12)),
    ]
    line = agent_timeline(oslo(2027, 1, 4), oslo(2027, 1, 5), working=None, meetings=meetings, all_day=[])
    assert reason_state_at(line, oslo(2027, 1, 4, 10, 30)).until == oslo(2027, 1, 4, 12)
    assert next_boundary(line, oslo(2027, 1, 4, 10, 30)) == oslo(2027, 1, 4, 12)


def test_an_all_day_event_blocks_the_whole_working_day_and_outranks_a_meeting() -> None:
    start, end = oslo(2027, 1, 4), oslo(2027, 1, 7)
    working = weekly_intervals([WEEKDAYS], OSLO, start, end)
    course = day_span(date(2027, 1, 5), OSLO)
    meeting = Interval(oslo(2027, 1, 5, 10), oslo(2027, 1, 5, 11))
    line = agent_timeline(start, end, working=working, meetings=[meeting], all_day=[course])
    assert reason_state_at(line, oslo(2027, 1, 5, 10, 30)).reason == "all_day"
    assert reason_state_at(line, oslo(2027, 1, 5, 8, 0)).until == oslo(2027, 1, 6, 8, 0)
    assert reason_state_at(line, oslo(2027, 1, 4, 16)).reason == "outside_working_hours"
    free = [(s.start, s.end) for s in line if not s.on]
    assert free == [(oslo(2027, 1, 4, 8), oslo(2027, 1, 4, 15, 30)), (oslo(2027, 1, 6, 8), oslo(2027, 1, 6, 15, 30))]


def test_weekly_hours_follow_the_wall_clock_across_daylight_saving() -> None:
    # Norway moves to summer time on Sunday 28 March 2027.
    days = weekly_intervals([WEEKDAYS], OSLO, oslo(2027, 3, 26), oslo(2027, 3, 30))
    assert [i.start.astimezone(ZoneInfo("UTC")).hour for i in days] == [7, 6]
    sunday = day_span(date(2027, 3, 28), OSLO)
    assert sunday.end - sunday.start == timedelta(hours=23)


def _queue(holidays: dict[date, str] | None = None, closures: list[Interval] | None = None) -> OpeningRules:
    return OpeningRules([WEEKDAYS], OSLO, holidays or {}, closures or [])


def test_a_public_holiday_keeps_the_queue_closed_and_says_so() -> None:
    rules = _queue({date(2027, 5, 17): "Constitution Day"})
    state = opening_state(rules, oslo(2027, 5, 17, 10))
    assert (state.on, state.reason, state.since, state.until) == (
        False,
        "holiday",
        oslo(2027, 5, 14, 15, 30),
        oslo(2027, 5, 18, 8),
    )
    assert opening_state(rules, oslo(2027, 5, 18, 8)).on is True


def test_a_closure_closes_mid_day_and_opens_again() -> None:
    rules = _queue(closures=[Interval(oslo(2027, 1, 4, 12), oslo(2027, 1, 4, 13))])
    state = opening_state(rules, oslo(2027, 1, 4, 12, 30))
    assert (state.on, state.reason, state.until) == (False, "closure", oslo(2027, 1, 4, 13))
    assert [(i.start, i.end) for i in open_intervals(rules, oslo(2027, 1, 4), oslo(2027, 1, 5))] == [
        (oslo(2027, 1, 4, 8), oslo(2027, 1, 4, 12)),
        (oslo(2027, 1, 4, 13), oslo(2027, 1, 4, 15, 30)),
    ]


def test_a_moment_outside_the_window_is_refused() -> None:
    line = agent_timeline(oslo(2027, 1, 4), oslo(2027, 1, 5), working=None, meetings=[], all_day=[])
    with pytest.raises(ValueError):
        reason_state_at(line, oslo(2027, 1, 6))
