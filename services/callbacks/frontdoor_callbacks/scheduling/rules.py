"""The scheduling rules, as pure functions of their inputs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from frontdoor_common.events.callbacks import AttemptOutcome as Outcome
from frontdoor_common.events.callbacks import ExpiryReason


@dataclass(frozen=True)
class Interval:
    """A half-open span of time [start, end) when a queue is open."""

    start: datetime
    end: datetime


def weekly_intervals(
    start: datetime, end: datetime, *, tz: str, weekdays: Iterable[int], opens: time, closes: time
) -> list[Interval]:
    """Open intervals between `start` and `end` for fixed weekly hours in a time zone."""
    zone = ZoneInfo(tz)
    days = set(weekdays)
    out: list[Interval] = []
    day: date = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        if day.weekday() in days:
            # Local wall-clock hours: DST shifts move the UTC times, not the opening hours.
            o = datetime.combine(day, opens, zone).astimezone(UTC)
            c = datetime.combine(day, closes, zone).astimezone(UTC)
            if c > start and o < end and c > o:
                out.append(Interval(max(o, start), min(c, end)))
        day += timedelta(days=1)
    return out


def effective_end(window_end: datetime | None, deadline: datetime | None) -> datetime | None:
    """The last moment a callback may be dispatched: the window's end or the deadline, whichever is first."""
    ends = [t for t in (window_end, deadline) if t is not None]
    return min(ends) if ends else None


def next_due(
    *,
    not_before: datetime,
    window_start: datetime | None,
    window_end: datetime | None,
    deadline: datetime | None,
    opening: Sequence[Interval],
) -> datetime | None:
    """The first moment at or after `not_before`, inside the window and an opening interval, before the end.

    None when no such moment exists (the window or deadline would pass first).
    """
    start = max(not_before, window_start) if window_start is not None else not_before
    end = effective_end(window_end, deadline)
    for interval in sorted(opening, key=lambda i: i.start):
        if interval.end <= start:
            continue
        due = max(start, interval.start)
        if end is not None and due >= end:
            return None
        if due < interval.end:
            return due
    return None


def expiry_reason(*, now: datetime, window_end: datetime | None, deadline: datetime | None) -> ExpiryReason | None:
    """Why a waiting callback must expire now, if it must (a deadline is never overrun)."""
    if deadline is not None and now >= deadline:
        return "deadline_passed"
    if window_end is not None and now >= window_end:
        return "window_passed"
    return None


def deadline_priority(*, base: int, deadline: datetime | None, now: datetime, steps: Sequence[tuple[int, int]]) -> int:
    """Priority rising as the deadline nears: the highest step whose seconds-left threshold is reached."""
    if deadline is None:
        return base
    left = (deadline - now).total_seconds()
    priority = base
    for threshold, step_priority in steps:
        if left <= threshold:
            priority = max(priority, step_priority)
    return priority


def is_at_risk(*, deadline: datetime | None, now: datetime, due: datetime | None, lead: timedelta) -> bool:
    """A deadline is at risk when it is within `lead`, or the next due time leaves less than `lead`."""
    if deadline is None:
        return False
    if deadline - now <= lead:
        return True
    return due is None or deadline - due <= lead


def dispatch_arrival(
    *, source: str, original_arrived_at: datetime | None, due_at: datetime, dispatch_number: int
) -> datetime:
    """The arrival time routing orders the task by.

    A queue callback keeps its caller's place on its first dispatch; any other dispatch
    (and any other callback) counts from when it fell due.
    """
    if source == "queue" and original_arrived_at is not None and dispatch_number == 1:
        return original_arrived_at
    return due_at


@dataclass(frozen=True)
class AttemptDecision:
    """What follows an attempt: complete, fail, expire, or retry not before a time."""

    status: Literal["completed", "failed", "expired", "scheduled"]
    reason: ExpiryReason | None = None
    not_before: datetime | None = None


def after_attempt(
    *, outcome: Outcome, attempts: int, max_attempts: int, at: datetime, retry_interval: timedelta
) -> AttemptDecision:
    """The decision after the `attempts`-th attempt ended with `outcome`."""
    if outcome == "reached":
        return AttemptDecision("completed")
    if outcome == "wrong_number":
        return AttemptDecision("failed", reason="wrong_number")
    if attempts >= max_attempts:
        return AttemptDecision("expired", reason="attempts_exhausted")
    return AttemptDecision("scheduled", not_before=at + retry_interval)


def repeat_weekly(known: list[Interval], known_start: datetime, start: datetime, end: datetime) -> list[Interval]:
    """A guess of the open intervals in [start, end): the first known week, repeated week after week.

    `known` are the intervals last seen from `known_start` on; only their first seven days
    serve as the pattern (later weeks may hold a holiday that should not repeat).
    """
    week = timedelta(days=7)
    pattern = [i for i in known if i.start < known_start + week]
    if not pattern or end <= start:
        return []
    first = math.floor((start - known_start - week) / week)
    last = math.ceil((end - known_start) / week)
    spans = sorted(
        (i.start + n * week, min(i.end, known_start + week) + n * week) for n in range(first, last + 1) for i in pattern
    )
    merged: list[Interval] = []
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        if merged and s <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, e))
        else:
            merged.append(Interval(s, e))
    return merged
