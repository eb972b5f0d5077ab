"""The scheduling rules, pure: time is an argument, decisions are return values."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from frontdoor_callbacks.scheduling import (
    AttemptDecision,
    Interval,
    after_attempt,
    deadline_priority,
    dispatch_arrival,
    expiry_reason,
    is_at_risk,
    next_due,
    weekly_intervals,
)
from frontdoor_common.events.callbacks import AttemptOutcome

MON_0800_UTC = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Oslo
STEPS = [(24 * 3600, 1), (4 * 3600, 5), (3600, 10)]


def oslo_hours(start: datetime, days: int = 7) -> list[Interval]:
    return weekly_intervals(
        start, start + timedelta(days=days), tz="Europe/Oslo", weekdays=range(5), opens=time(8), closes=time(15, 30)
    )


def test_weekday_hours_are_local_wall_clock_hours_across_daylight_saving() -> None:
    winter = oslo_hours(datetime(2026, 11, 23, tzinfo=UTC), days=1)
    summer = oslo_hours(datetime(2026, 6, 1, tzinfo=UTC), days=1)
    assert (winter[0].start.hour, winter[0].end.hour, winter[0].end.minute) == (7, 14, 30)  # UTC+1
    assert (summer[0].start.hour, summer[0].end.hour, summer[0].end.minute) == (6, 13, 30)  # UTC+2


def test_weekends_are_closed() -> None:
    saturday = datetime(2026, 11, 28, 9, tzinfo=UTC)
    assert oslo_hours(saturday, days=1) == []  # Saturday 09:00 to Sunday 09:00


def test_a_callback_requested_while_open_is_due_at_once() -> None:
    due = next_due(
        not_before=MON_0800_UTC, window_start=None, window_end=None, deadline=None, opening=oslo_hours(MON_0800_UTC)
    )
    assert due == MON_0800_UTC


def test_a_callback_requested_after_closing_is_due_when_the_queue_opens_next_morning() -> None:
    evening = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    due = next_due(not_before=evening, window_start=None, window_end=None, deadline=None, opening=oslo_hours(evening))
    assert due == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_a_friday_evening_request_waits_for_monday() -> None:
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    due = next_due(not_before=friday, window_start=None, window_end=None, deadline=None, opening=oslo_hours(friday))
    assert due == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def test_a_window_later_today_makes_the_callback_due_when_the_window_opens() -> None:
    start = MON_0800_UTC + timedelta(hours=3)
    due = next_due(
        not_before=MON_0800_UTC,
        window_start=start,
        window_end=start + timedelta(hours=1),
        deadline=None,
        opening=oslo_hours(MON_0800_UTC),
    )
    assert due == start


def test_a_window_entirely_outside_opening_hours_has_no_due_time() -> None:
    evening = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    due = next_due(
        not_before=MON_0800_UTC,
        window_start=evening,
        window_end=evening + timedelta(hours=2),
        deadline=None,
        opening=oslo_hours(MON_0800_UTC),
    )
    assert due is None


def test_a_deadline_before_the_next_opening_leaves_no_due_time() -> None:
    evening = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    due = next_due(
        not_before=evening,
        window_start=None,
        window_end=None,
        deadline=datetime(2026, 11, 24, 6, 0, tzinfo=UTC),
        opening=oslo_hours(evening),
    )
    assert due is None


def test_a_retry_waits_for_its_interval_and_for_opening_hours() -> None:
    decision = after_attempt(
        outcome="no_answer",
        attempts=1,
        max_attempts=3,
        at=datetime(2026, 11, 23, 14, 20, tzinfo=UTC),
        retry_interval=timedelta(minutes=15),
    )
    assert decision.status == "scheduled"
    assert decision.not_before == datetime(2026, 11, 23, 14, 35, tzinfo=UTC)  # after closing (14:30 UTC)
    due = next_due(
        not_before=decision.not_before,
        window_start=None,
        window_end=None,
        deadline=None,
        opening=oslo_hours(MON_0800_UTC),
    )
    assert due == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_attempt_outcomes_decide_what_follows() -> None:
    def decide(outcome: AttemptOutcome, attempts: int) -> AttemptDecision:
        return after_attempt(
            outcome=outcome, attempts=attempts, max_attempts=3, at=MON_0800_UTC, retry_interval=timedelta(minutes=15)
        )

    assert decide("reached", 1).status == "completed"
    wrong = decide("wrong_number", 1)
    assert (wrong.status, wrong.reason) == ("failed", "wrong_number")
    retried: tuple[AttemptOutcome, ...] = ("no_answer", "busy", "voicemail")
    for outcome in retried:
        assert decide(outcome, 2).status == "scheduled"
        last = decide(outcome, 3)
        assert (last.status, last.reason) == ("expired", "attempts_exhausted")


def test_priority_rises_step_by_step_as_the_deadline_nears() -> None:
    deadline = MON_0800_UTC + timedelta(days=3)

    def at(hours_left: float) -> int:
        return deadline_priority(base=-1, deadline=deadline, now=deadline - timedelta(hours=hours_left), steps=STEPS)

    assert [at(48), at(20), at(3), at(0.5)] == [-1, 1, 5, 10]
    assert deadline_priority(base=-1, deadline=None, now=MON_0800_UTC, steps=STEPS) == -1


def test_a_deadline_is_at_risk_when_near_or_when_the_due_time_leaves_too_little_margin() -> None:
    lead = timedelta(hours=2)
    deadline = MON_0800_UTC + timedelta(hours=6)
    assert not is_at_risk(deadline=deadline, now=MON_0800_UTC, due=MON_0800_UTC, lead=lead)
    assert is_at_risk(deadline=deadline, now=deadline - timedelta(hours=1), due=MON_0800_UTC, lead=lead)
    assert is_at_risk(deadline=deadline, now=MON_0800_UTC, due=deadline - timedelta(minutes=30), lead=lead)
    assert is_at_risk(deadline=deadline, now=MON_0800_UTC, due=None, lead=lead)
    assert not is_at_risk(deadline=None, now=MON_0800_UTC, due=None, lead=lead)


def test_a_passed_deadline_expires_before_a_passed_window_is_considered() -> None:
    later = MON_0800_UTC + timedelta(hours=1)
    assert expiry_reason(now=later, window_end=MON_0800_UTC, deadline=MON_0800_UTC) == "deadline_passed"
    assert expiry_reason(now=later, window_end=MON_0800_UTC, deadline=None) == "window_passed"
    assert expiry_reason(now=MON_0800_UTC, window_end=later, deadline=later) is None


def test_a_queue_callback_keeps_its_callers_place_on_its_first_dispatch_only() -> None:
    arrived = MON_0800_UTC - timedelta(minutes=7)
    due = MON_0800_UTC
    assert dispatch_arrival(source="queue", original_arrived_at=arrived, due_at=due, dispatch_number=1) == arrived
    assert dispatch_arrival(source="queue", original_arrived_at=arrived, due_at=due, dispatch_number=2) == due
    assert dispatch_arrival(source="web", original_arrived_at=None, due_at=due, dispatch_number=1) == due


def test_a_guess_repeats_the_first_known_week_and_not_a_later_holiday() -> None:
    from frontdoor_callbacks.scheduling import repeat_weekly

    mon = datetime(2026, 11, 23, tzinfo=UTC)
    day = timedelta(days=1)
    # Two known weeks: open 08-16 every weekday, except a holiday on the second Monday.
    known = [
        Interval(mon + n * day + timedelta(hours=8), mon + n * day + timedelta(hours=16))
        for n in range(14)
        if n % 7 < 5 and n != 7
    ]
    third_monday = mon + 14 * day
    got = repeat_weekly(known, mon, third_monday, third_monday + 2 * day)
    assert got == [
        Interval(third_monday + timedelta(hours=8), third_monday + timedelta(hours=16)),
        Interval(third_monday + day + timedelta(hours=8), third_monday + day + timedelta(hours=16)),
    ]
    # Around the clock stays around the clock, across the week's seam, and before the known range too.
    always = [Interval(mon, mon + 14 * day)]
    assert repeat_weekly(always, mon, mon - 3 * day, mon + 30 * day) == [Interval(mon - 3 * day, mon + 30 * day)]
