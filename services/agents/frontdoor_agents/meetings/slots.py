"""The slot grid as pure functions: working intervals, holidays and a timeline in, slot starts out.

Slots start at the beginning of each working interval and follow one another at the meeting's
length; a slot is free when the counsellor's timeline (calendar, feed, booked meetings, working
hours) is unblocked for all of it. No I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from frontdoor_agents.availability.compute import Interval, Segment


def grid(working: Sequence[Interval], length: timedelta, tz: ZoneInfo, holidays: Mapping[date, str]) -> list[datetime]:
    """Every slot start inside the working intervals (not on a public holiday), in order."""
    out: list[datetime] = []
    for w in sorted(working, key=lambda i: i.start):
        if w.start.astimezone(tz).date() in holidays:
            continue
        at = w.start
        while at + length <= w.end:
            out.append(at)
            at += length
    return out


def is_free(timeline: Sequence[Segment], start: datetime, end: datetime) -> bool:
    """Whether nothing blocks [start, end) in the timeline (which must cover it)."""
    covered = start
    for s in timeline:
        if s.end <= start or s.start >= end:
            continue
        if s.on:
            return False
        covered = max(covered, s.end)
    return covered >= end


def free_starts(
    starts: Sequence[datetime], length: timedelta, timeline: Sequence[Segment], earliest: datetime, latest: datetime
) -> list[datetime]:
    """The grid starts in [earliest, latest] whose whole slot is free (`is_free` for each).

    One walk over both, in start order: the cost grows with slots plus segments, not their product
    (31 days of 15-minute slots against a long timeline, for up to 200 counsellors, is what a
    request may ask)."""
    segments = sorted(timeline, key=lambda seg: seg.start)
    out: list[datetime] = []
    first = 0
    for start in sorted(starts):
        if not earliest <= start <= latest:
            continue
        end = start + length
        while first < len(segments) and segments[first].end <= start:
            first += 1
        covered, free = start, True
        for seg in segments[first:]:
            if seg.start >= end:
                break
            if seg.end <= start:
                continue
            if seg.on:
                free = False
                break
            covered = max(covered, seg.end)
        if free and covered >= end:
            out.append(start)
    return out
