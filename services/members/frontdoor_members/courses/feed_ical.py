"""iCalendar course feeds: one VEVENT a course.

UID, SUMMARY (title), DTSTART, DTEND or DURATION, LOCATION (place), STATUS:CANCELLED, and these
properties of our own: X-FRONTDOOR-SEATS (a number), X-FRONTDOOR-DEPARTMENTS (department codes or
ids, comma-separated; none: everyone) and X-FRONTDOOR-SIGNUP-DEADLINE (a date-time,
`20261201T120000Z` or ISO 8601; none: the start). A floating time is the tenant's local time, an
all-day event the local day. A recurring event (RRULE, RDATE) is one course per occurrence up to the
horizon, its uid `UID/RECURRENCE-ID` (the occurrence's original start in UTC), so a moved or
cancelled occurrence stays the same course; a rule more often than daily is refused before any
expansion, and the expansion stops at the entry bound.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from frontdoor_members.courses.feed_entries import (
    PAST,
    Bounds,
    FeedEntry,
    FeedInvalid,
    departments_value,
    keep,
    make_entry,
    moment,
    plausible,
    seats_value,
    text_value,
    time_value,
    uid_value,
)

SEATS_PROPERTY = "X-FRONTDOOR-SEATS"
DEPARTMENTS_PROPERTY = "X-FRONTDOOR-DEPARTMENTS"
DEADLINE_PROPERTY = "X-FRONTDOOR-SIGNUP-DEADLINE"
# Courses recur daily at most: a sub-daily rule (an endless MINUTELY rule is millions of
# occurrences) is refused before any expansion.
ALLOWED_FREQ = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _one(event: Any, name: str, where: str, uid: str | None) -> str | None:
    value = event.get(name)
    if isinstance(value, list):
        raise FeedInvalid(
            f"{name}: given more than once", code="invalid_field", field=name.lower(), where=where, uid=uid
        )
    return None if value is None else str(value)


def _check_series(events: list[Any], bounds: Bounds) -> set[str]:
    """The uids that recur (their occurrences are courses of their own); FeedInvalid for a broken
    event or a rule that recurs more often than daily."""
    if len(events) > bounds.max_entries * 4:
        raise FeedInvalid(f"more than {bounds.max_entries * 4} events", code="too_many_entries")
    recurring: set[str] = set()
    for n, event in enumerate(events, 1):
        where = f"event {n}"
        uid = uid_value(_one(event, "UID", where, None), where)
        if event.errors:
            name = str(event.errors[0][0] or "").lower() or "event"
            raise FeedInvalid(f"{name}: cannot be read", code="invalid_field", field=name, where=where, uid=uid)
        start, end = event.get("DTSTART"), event.get("DTEND")
        if start is None:  # the expander passes over such an event silently
            raise FeedInvalid("dtstart: missing", code="missing_field", field="dtstart", where=where, uid=uid)
        duration = event.get("DURATION")
        if (end is not None and moment(end.dt, bounds.tz) <= moment(start.dt, bounds.tz)) or (
            end is None and duration is not None and duration.dt <= timedelta(0)
        ):
            raise FeedInvalid(
                "ends_at: must be after starts_at", code="invalid_field", field="ends_at", where=where, uid=uid
            )
        rules = [r for key in ("RRULE", "EXRULE") for r in _as_list(event.get(key))]
        if rules or event.get("RDATE") is not None or event.get("RECURRENCE-ID") is not None:
            recurring.add(uid)
        for rule in rules:
            freq = [str(f).upper() for f in _as_list(rule.get("FREQ"))]
            per_day = 1
            for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
                per_day *= max(1, len(_as_list(rule.get(part))))
            if not freq or freq[0] not in ALLOWED_FREQ or per_day > 1:
                raise FeedInvalid(
                    "rrule: a course recurs at most daily", code="too_frequent", field="rrule", where=where, uid=uid
                )
    return recurring


def _occurrences(cal: icalendar.Calendar, bounds: Bounds) -> Iterable[Any]:
    end = bounds.now + bounds.horizon
    query = recurring_ical_events.of(cal, components=["VEVENT"])
    for event in query.after(bounds.now - PAST):
        start = event.get("DTSTART")
        if start is not None and moment(start.dt, bounds.tz) >= end:
            return
        yield event


def _ical_entry(event: Any, where: str, recurring: set[str], tz: ZoneInfo) -> FeedEntry:
    uid = uid_value(_one(event, "UID", where, None), where)
    if uid in recurring:
        original = event.get("RECURRENCE-ID") or event.get("DTSTART")
        uid = uid_value(f"{uid}/{moment(original.dt, tz):%Y%m%dT%H%M%SZ}", where)
    start, end, duration = event.get("DTSTART"), event.get("DTEND"), event.get("DURATION")
    if start is None:
        raise FeedInvalid("dtstart: missing", code="missing_field", field="dtstart", where=where, uid=uid)
    starts_at = plausible(moment(start.dt, tz), field="dtstart", where=where, uid=uid)
    if end is not None:
        ends_at = moment(end.dt, tz)
    elif duration is not None:
        ends_at = moment(start.dt + duration.dt, tz)
    elif not isinstance(start.dt, datetime):  # an all-day event without an end: that day
        ends_at = moment(start.dt + timedelta(days=1), tz)
    else:
        raise FeedInvalid("dtend: missing (or DURATION)", code="missing_field", field="dtend", where=where, uid=uid)
    deadline_raw = _one(event, DEADLINE_PROPERTY, where, uid)
    return make_entry(
        uid=uid,
        where=where,
        title=text_value(
            _one(event, "SUMMARY", where, uid), field="summary", where=where, uid=uid, limit=200, required=True
        ),
        starts_at=starts_at,
        ends_at=plausible(ends_at, field="dtend", where=where, uid=uid),
        place=text_value(
            _one(event, "LOCATION", where, uid), field="location", where=where, uid=uid, limit=200, required=False
        ),
        seats=seats_value(_one(event, SEATS_PROPERTY, where, uid), where=where, uid=uid),
        deadline=time_value(
            deadline_raw.replace("\\", "") if deadline_raw else None,
            tz,
            field="signup_deadline",
            where=where,
            uid=uid,
            required=False,
        ),
        departments=departments_value(_one(event, DEPARTMENTS_PROPERTY, where, uid), where=where, uid=uid),
        cancelled=(_one(event, "STATUS", where, uid) or "").strip().upper() == "CANCELLED",
    )


def parse_ical(text: str, bounds: Bounds) -> list[FeedEntry]:
    """The calendar's courses, a recurring event's occurrences up to the horizon (FeedInvalid naming the
    event, its uid and the field otherwise)."""
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # the parser raises many kinds; its message may quote the text
        raise FeedInvalid(f"not an iCalendar document ({type(exc).__name__})", code="not_calendar") from None
    if not isinstance(cal, icalendar.Calendar) or cal.name != "VCALENDAR":
        raise FeedInvalid("not an iCalendar document: no VCALENDAR", code="not_calendar")
    events = cal.walk("VEVENT")
    recurring = _check_series(events, bounds)
    index: dict[str, int] = {}
    for n, event in enumerate(events, 1):
        index.setdefault(str(event.get("UID")), n)

    def entries() -> Iterable[FeedEntry]:
        """The occurrences as entries, in order, at most four times the bound (past ones are dropped later)."""
        try:
            occurrences = iter(_occurrences(cal, bounds))
            n = 0
            while True:
                try:
                    event = next(occurrences)
                except StopIteration:
                    return
                n += 1
                if n > bounds.max_entries * 4:
                    raise FeedInvalid(f"more than {bounds.max_entries * 4} occurrences", code="too_many_entries")
                yield _ical_entry(event, f"event {index.get(str(event.get('UID')), n)}", recurring, bounds.tz)
        except FeedInvalid:
            raise
        except Exception as exc:  # a broken rule or time in one event: the expander's own errors
            raise FeedInvalid(f"the calendar cannot be expanded ({type(exc).__name__})", code="not_calendar") from None

    return keep(entries(), bounds)
