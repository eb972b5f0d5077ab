"""Availability and opening hours as pure functions: inputs and time in, intervals and states out.

No I/O, no clock: every function takes the moment or window it reasons about. Times are
timezone-aware; weekly hours are wall-clock times in the tenant's time zone, so a DST change
moves them correctly in UTC. Intervals built here are in UTC: Python compares and subtracts
two datetimes of the same zone by wall clock, which is wrong across a DST change.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# When several blocks overlap, the strongest names the state.
BLOCK_RANK = {"all_day": 3, "meeting": 2, "outside_working_hours": 1}
CLOSED_RANK = {"closure": 3, "holiday": 2, "hours": 1}


@dataclass(frozen=True)
class HoursRule:
    """Open (or working) from `start` to `end` local time on the given weekdays (0 = Monday)."""

    days: frozenset[int]
    start: time
    end: time


@dataclass(frozen=True)
class Interval:
    """A half-open span [start, end) with a reason."""

    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True)
class Segment:
    """A piece of a timeline: `on` is blocked (agents) or open (queues)."""

    start: datetime
    end: datetime
    on: bool
    reason: str | None = None


@dataclass(frozen=True)
class State:
    """The state at a moment: since when it holds and when it next changes (None: beyond the horizon)."""

    on: bool
    reason: str | None
    since: datetime
    until: datetime | None


def rules_from_json(raw: Iterable[Mapping[str, Any]]) -> list[HoursRule]:
    """Weekly rules from their stored form: {"days": ["mon", ...], "start": "08:00", "end": "15:30"}."""
    rules = []
    for r in raw:
        days = frozenset(DAYS.index(str(d)) for d in r["days"])
        rules.append(HoursRule(days, time.fromisoformat(str(r["start"])), time.fromisoformat(str(r["end"]))))
    return rules


def local_days(tz: ZoneInfo, start: datetime, end: datetime) -> Iterator[date]:
    """Every local calendar day that overlaps [start, end)."""
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def day_span(day: date, tz: ZoneInfo, days: int = 1) -> Interval:
    """Local midnight of `day` to local midnight `days` later (23 or 25 hours across DST)."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=days), time(0), tzinfo=tz).astimezone(UTC)
    return Interval(start, end)


def weekly_intervals(
    rules: Sequence[HoursRule], tz: ZoneInfo, start: datetime, end: datetime, *, reason: str = ""
) -> list[Interval]:
    """The weekly rules laid out as concrete intervals overlapping [start, end)."""
    out = []
    for day in local_days(tz, start, end):
        for rule in rules:
            if day.weekday() in rule.days:
                s = datetime.combine(day, rule.start, tzinfo=tz).astimezone(UTC)
                e = datetime.combine(day, rule.end, tzinfo=tz).astimezone(UTC)
                if e > start and s < end:
                    out.append(Interval(s, e, reason))
    return out


def paint(
    start: datetime, end: datetime, base: Segment, layers: Sequence[tuple[Iterable[Interval], bool]]
) -> list[Segment]:
    """A timeline over [start, end): the base, then each layer painted over it (later layers win).

    Within one layer, overlapping intervals keep the strongest reason (by BLOCK_RANK/CLOSED_RANK).
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    painted: list[tuple[list[Interval], bool]] = [
        ([i for i in intervals if i.end > start and i.start < end and i.end > i.start], on) for intervals, on in layers
    ]
    cuts = {start, end}
    for intervals, _ in painted:
        for i in intervals:
            cuts.add(max(i.start, start))
            cuts.add(min(i.end, end))
    points = sorted(cuts)
    pieces: list[Segment] = []
    for s, e in itertools.pairwise(points):
        value: tuple[bool, str | None] = (base.on, base.reason)
        for intervals, on in painted:
            reasons = [i.reason for i in intervals if i.start <= s and i.end >= e]
            if reasons:
                value = (on, max(reasons, key=_rank) or None)
        pieces.append(Segment(s, e, value[0], value[1]))
    return merge(pieces)


def _rank(reason: str) -> int:
    return BLOCK_RANK.get(reason, 0) + CLOSED_RANK.get(reason, 0)


def merge(pieces: Sequence[Segment]) -> list[Segment]:
    """Join adjacent segments with the same state and reason."""
    out: list[Segment] = []
    for p in pieces:
        if out and out[-1].end == p.start and out[-1].on == p.on and out[-1].reason == p.reason:
            out[-1] = Segment(out[-1].start, p.end, p.on, p.reason)
        else:
            out.append(p)
    return out


def state_at(segments: Sequence[Segment], at: datetime, *, reason_over_run: bool = False) -> State:
    """The state at `at`: `since` is the start of the run of equal `on`, `until` its end.

    A run may span segments with different reasons (a meeting right after working hours);
    the reason is the one at `at`, or with `reason_over_run` the strongest in the whole run.
    """
    idx = next((k for k, s in enumerate(segments) if s.start <= at < s.end), None)
    if idx is None:
        raise ValueError("moment outside the computed window")
    seg = segments[idx]
    first = idx
    while first > 0 and segments[first - 1].on == seg.on and segments[first - 1].end == segments[first].start:
        first -= 1
    last = idx
    while (
        last + 1 < len(segments) and segments[last + 1].on == seg.on and segments[last + 1].start == segments[last].end
    ):
        last += 1
    run = segments[first : last + 1]
    reason = seg.reason
    if reason_over_run and not seg.on:
        reason = max((s.reason or "" for s in run), key=_rank) or None
    until = None if last == len(segments) - 1 else segments[last].end
    return State(seg.on, reason, run[0].start, until)


def reason_state_at(segments: Sequence[Segment], at: datetime) -> State:
    """An agent's state at `at`: `since` is where this reason began; `until` is when a block ends.

    For a block, `until` is the end of the whole blocked run (a meeting straight into the end of the
    working day blocks until the next working day); when free, it is the next change.
    """
    run = state_at(segments, at)
    seg = next(s for s in segments if s.start <= at < s.end)
    return State(seg.on, seg.reason, seg.start, run.until)


def next_boundary(segments: Sequence[Segment], at: datetime) -> datetime | None:
    """The first segment boundary after `at` (None: none inside the window)."""
    for s in segments:
        if s.start > at:
            return s.start
    return None


# --- agents -----------------------------------------------------------------------------


def agent_timeline(
    start: datetime,
    end: datetime,
    *,
    working: Sequence[Interval] | None,
    meetings: Sequence[Interval],
    all_day: Sequence[Interval],
) -> list[Segment]:
    """When the agent is blocked for routing: outside working hours (if they have any), in meetings, on all-day events.

    `on` means blocked. An all-day event blocks the whole local day, which covers the working day.
    """
    layers: list[tuple[Iterable[Interval], bool]] = []
    if working is not None:
        base = Segment(start, end, True, "outside_working_hours")
        layers.append((working, False))
    else:
        base = Segment(start, end, False, None)
    layers.append(([Interval(i.start, i.end, "meeting") for i in meetings], True))
    layers.append(([Interval(i.start, i.end, "all_day") for i in all_day], True))
    return paint(start, end, base, layers)


def available_intervals(segments: Sequence[Segment]) -> list[Interval]:
    """The unblocked intervals of an agent's timeline."""
    return [Interval(s.start, s.end) for s in segments if not s.on]


# --- opening hours ----------------------------------------------------------------------


@dataclass(frozen=True)
class OpeningRules:
    """What decides whether a queue is open: weekly hours, public holidays and the tenant's closures."""

    rules: Sequence[HoursRule]
    tz: ZoneInfo
    holidays: Mapping[date, str]
    closures: Sequence[Interval]


def opening_timeline(opening: OpeningRules, start: datetime, end: datetime) -> list[Segment]:
    """Open and closed over [start, end); a closed segment's reason is hours, holiday or closure."""
    hours = weekly_intervals(opening.rules, opening.tz, start, end, reason="hours")
    on_holidays = [
        Interval(i.start, i.end, "holiday") for i in hours if i.start.astimezone(opening.tz).date() in opening.holidays
    ]
    closures = [Interval(i.start, i.end, "closure") for i in opening.closures]
    base = Segment(start, end, False, "hours")
    return paint(start, end, base, [(hours, True), (on_holidays, False), (closures, False)])


def opening_state(opening: OpeningRules, at: datetime, horizon: timedelta = timedelta(days=14)) -> State:
    """Open or closed at `at`, since when, and the next change; a closed spell reports its strongest reason."""
    timeline = opening_timeline(opening, at - timedelta(days=7), at + horizon)
    return state_at(timeline, at, reason_over_run=True)


def open_intervals(opening: OpeningRules, start: datetime, end: datetime) -> list[Interval]:
    """The open intervals within [start, end)."""
    return [Interval(s.start, s.end) for s in opening_timeline(opening, start, end) if s.on]
