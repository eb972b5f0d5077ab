"""iCalendar feeds as pure functions: text in, busy intervals out.

Recurring events (RRULE), cancelled occurrences (EXDATE) and moved occurrences
(RECURRENCE-ID) are expanded by recurring-ical-events. Floating times are read in the
tenant's time zone; date-valued (all-day) events block whole local days.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from frontdoor_agents.availability.compute import Interval, day_span


class FeedError(ValueError):
    """The text is not a usable iCalendar document."""


@dataclass(frozen=True)
class Busy:
    """Expanded busy time: timed meetings and all-day spans."""

    meetings: list[Interval]
    all_day: list[Interval]


_CACHE: OrderedDict[str, icalendar.Calendar] = OrderedDict()


def parse(text: str) -> icalendar.Calendar:
    """Parse and sanity-check a calendar (cached by content, since the scheduler re-reads feeds often)."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    cached = _CACHE.get(digest)
    if cached is not None:
        _CACHE.move_to_end(digest)
        return cached
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:
        raise FeedError(f"not an iCalendar document: {exc}") from exc
    if not isinstance(cal, icalendar.Calendar) or cal.name != "VCALENDAR":
        raise FeedError("not an iCalendar document: no VCALENDAR")
    try:  # expanding once shows broken rules now rather than in the scheduler
        recurring_ical_events.of(cal).at(2000)
    except Exception as exc:
        raise FeedError(f"calendar cannot be expanded: {exc}") from exc
    _CACHE[digest] = cal
    while len(_CACHE) > 256:
        _CACHE.popitem(last=False)
    return cal


def busy_between(cal: icalendar.Calendar, tz: ZoneInfo, start: datetime, end: datetime) -> Busy:
    """The busy occurrences overlapping [start, end); free (TRANSPARENT) and cancelled events are skipped."""
    meetings: list[Interval] = []
    all_day: list[Interval] = []
    local_start = start.astimezone(tz) - timedelta(days=1)
    local_end = end.astimezone(tz) + timedelta(days=1)
    for ev in recurring_ical_events.of(cal).between(local_start, local_end):
        if str(ev.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        s = ev.get("DTSTART")
        if s is None:
            continue
        s_val = s.dt
        e_val = _end(ev, s_val)
        title = str(ev.get("SUMMARY", ""))
        if isinstance(s_val, datetime):
            meetings.append(Interval(_aware(s_val, tz), _aware(e_val, tz), title))
        else:
            days = max(1, (e_val - s_val).days) if isinstance(e_val, date) else 1
            span = day_span(s_val, tz, days)
            all_day.append(Interval(span.start, span.end, title))
    keep = [i for i in meetings if i.end > start and i.start < end and i.end > i.start]
    keep_days = [i for i in all_day if i.end > start and i.start < end]
    return Busy(sorted(keep, key=lambda i: i.start), sorted(keep_days, key=lambda i: i.start))


def _end(ev: Any, start: Any) -> Any:
    if ev.get("DTEND") is not None:
        return ev.get("DTEND").dt
    if ev.get("DURATION") is not None:
        return start + ev.get("DURATION").dt
    return start + (timedelta(days=1) if not isinstance(start, datetime) else timedelta(0))


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    return (value.replace(tzinfo=tz) if value.tzinfo is None else value).astimezone(UTC)
