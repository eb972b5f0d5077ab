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
    """The text is not a usable iCalendar document.

    `code` is a fixed word ("not_calendar", ...) safe to show for a fetched feed: the message may quote
    the text, which for a URL feed is someone else's content and is never echoed.
    """

    def __init__(self, message: str, code: str = "not_calendar") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Busy:
    """Expanded busy time: timed meetings and all-day spans."""

    meetings: list[Interval]
    all_day: list[Interval]


# Bounds that keep one calendar from taking the service down: sub-daily rules (an endless MINUTELY
# rule from 2000 is millions of occurrences), rules that expand to many occurrences a day, too many
# recurring series. Outlook and Google only write DAILY, WEEKLY, MONTHLY and YEARLY rules.
ALLOWED_FREQ = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
MAX_PER_DAY = 24  # occurrences one rule may make in a day (BYHOUR x BYMINUTE x BYSECOND)
MAX_SERIES = 2_000  # recurring events in one calendar
MAX_COMPONENTS = 50_000  # events in one calendar
MAX_RDATES = 5_000

_CACHE: OrderedDict[str, icalendar.Calendar] = OrderedDict()


def check_bounds(cal: icalendar.Calendar) -> None:
    """Refuse calendars whose recurrence could not be expanded in bounded time and memory."""
    events = cal.walk("VEVENT")
    if len(events) > MAX_COMPONENTS:
        raise FeedError(f"more than {MAX_COMPONENTS} events", code="too_many_events")
    series = 0
    for ev in events:
        rules = [r for key in ("RRULE", "EXRULE") for r in _as_list(ev.get(key))]
        rdates = _as_list(ev.get("RDATE"))
        if rules or rdates:
            series += 1
        if sum(len(getattr(r, "dts", [])) for r in rdates) > MAX_RDATES:
            raise FeedError(f"more than {MAX_RDATES} RDATEs in one event", code="too_complex")
        for rule in rules:
            freq = [str(f).upper() for f in _as_list(rule.get("FREQ"))]
            if not freq or freq[0] not in ALLOWED_FREQ:
                raise FeedError(
                    f"recurrence {freq[0] if freq else 'without FREQ'} refused: at most daily", code="too_frequent"
                )
            per_day = 1
            for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
                per_day *= max(1, len(_as_list(rule.get(part))))
            if per_day > MAX_PER_DAY:
                raise FeedError(f"recurrence makes more than {MAX_PER_DAY} occurrences a day", code="too_frequent")
    if series > MAX_SERIES:
        raise FeedError(f"more than {MAX_SERIES} recurring events", code="too_complex")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def parse(text: str) -> icalendar.Calendar:
    """Parse and bounds-check a calendar (CPU-heavy for big calendars: callers run it off the event loop).

    Cached by content for the pure callers; the service caches expanded busy time instead."""
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
    check_bounds(cal)
    _CACHE[digest] = cal
    while len(_CACHE) > 16:
        _CACHE.popitem(last=False)
    return cal


def busy_between(
    cal: icalendar.Calendar, tz: ZoneInfo, start: datetime, end: datetime, *, max_occurrences: int | None = None
) -> Busy:
    """The busy occurrences overlapping [start, end); free (TRANSPARENT) and cancelled events are skipped.

    FeedError when the calendar cannot be expanded or has more than `max_occurrences` in the window."""
    meetings: list[Interval] = []
    all_day: list[Interval] = []
    local_start = start.astimezone(tz) - timedelta(days=1)
    local_end = end.astimezone(tz) + timedelta(days=1)
    try:
        occurrences = recurring_ical_events.of(cal).between(local_start, local_end)
    except FeedError:
        raise
    except Exception as exc:
        raise FeedError(f"calendar cannot be expanded: {type(exc).__name__}", code="not_calendar") from exc
    if max_occurrences is not None and len(occurrences) > max_occurrences:
        raise FeedError(f"more than {max_occurrences} occurrences in the window", code="too_many_occurrences")
    try:
        _collect(occurrences, tz, meetings, all_day)
    except Exception as exc:  # a broken DTEND or DURATION in one occurrence
        raise FeedError(f"calendar cannot be expanded: {type(exc).__name__}", code="not_calendar") from exc
    keep = [i for i in meetings if i.end > start and i.start < end and i.end > i.start]
    keep_days = [i for i in all_day if i.end > start and i.start < end]
    return Busy(sorted(keep, key=lambda i: i.start), sorted(keep_days, key=lambda i: i.start))


def _collect(occurrences: list[Any], tz: ZoneInfo, meetings: list[Interval], all_day: list[Interval]) -> None:
    for ev in occurrences:
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


def _end(ev: Any, start: Any) -> Any:
    if ev.get("DTEND") is not None:
        return ev.get("DTEND").dt
    if ev.get("DURATION") is not None:
        return start + ev.get("DURATION").dt
    return start + (timedelta(days=1) if not isinstance(start, datetime) else timedelta(0))


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    return (value.replace(tzinfo=tz) if value.tzinfo is None else value).astimezone(UTC)
