"""iCalendar feeds expand into busy time: recurrences, cancelled and moved occurrences, all-day events, zones."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from frontdoor_agents.calendars.ical import FeedError, busy_between, parse
from frontdoor_agents.testing import oslo

OSLO = ZoneInfo("Europe/Oslo")

FEED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Frontdoor tests//EN
BEGIN:VEVENT
UID:weekly@example.org
DTSTART;TZID=Europe/Oslo:20270104T100000
DTEND;TZID=Europe/Oslo:20270104T110000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Oslo:20270111T100000
SUMMARY:Weekly
END:VEVENT
BEGIN:VEVENT
UID:weekly@example.org
RECURRENCE-ID;TZID=Europe/Oslo:20270118T100000
DTSTART;TZID=Europe/Oslo:20270118T130000
DTEND;TZID=Europe/Oslo:20270118T140000
SUMMARY:Weekly (moved)
END:VEVENT
BEGIN:VEVENT
UID:course@example.org
DTSTART;VALUE=DATE:20270120
DTEND;VALUE=DATE:20270122
SUMMARY:Two-day course
END:VEVENT
BEGIN:VEVENT
UID:utc@example.org
DTSTART:20270121T120000Z
DTEND:20270121T130000Z
SUMMARY:In UTC
END:VEVENT
BEGIN:VEVENT
UID:floating@example.org
DTSTART:20270122T090000
DTEND:20270122T093000
SUMMARY:Floating
END:VEVENT
BEGIN:VEVENT
UID:free@example.org
DTSTART;TZID=Europe/Oslo:20270122T120000
DTEND;TZID=Europe/Oslo:20270122T130000
TRANSP:TRANSPARENT
SUMMARY:Free time
END:VEVENT
END:VCALENDAR
"""


def test_recurrences_exceptions_moves_all_day_and_zones_expand_into_busy_time() -> None:
    busy = busy_between(parse(FEED), OSLO, oslo(2027, 1, 1), oslo(2027, 2, 1))
    meetings = [(m.start, m.end) for m in busy.meetings]
    assert meetings == [
        (oslo(2027, 1, 4, 10), oslo(2027, 1, 4, 11)),
        # 11 January cancelled (EXDATE); 18 January moved to 13:00 (RECURRENCE-ID)
        (oslo(2027, 1, 18, 13), oslo(2027, 1, 18, 14)),
        (oslo(2027, 1, 21, 13), oslo(2027, 1, 21, 14)),  # 12:00 UTC is 13:00 in Oslo
        (oslo(2027, 1, 22, 9), oslo(2027, 1, 22, 9, 30)),  # floating time read in the tenant's zone
        (oslo(2027, 1, 25, 10), oslo(2027, 1, 25, 11)),
    ]
    assert [(d.start, d.end) for d in busy.all_day] == [(oslo(2027, 1, 20), oslo(2027, 1, 22))]


def test_only_occurrences_inside_the_window_are_returned() -> None:
    busy = busy_between(parse(FEED), OSLO, oslo(2027, 1, 4, 10, 30), oslo(2027, 1, 5))
    assert [(m.start, m.end) for m in busy.meetings] == [(oslo(2027, 1, 4, 10), oslo(2027, 1, 4, 11))]


@pytest.mark.parametrize("text", ["", "hello", "BEGIN:VEVENT\nEND:VEVENT\n", "BEGIN:VCALENDAR\nthis is not\n"])
def test_text_that_is_not_a_calendar_is_refused(text: str) -> None:
    with pytest.raises(FeedError):
        parse(text)


def test_an_empty_calendar_is_fine() -> None:
    cal = parse("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nEND:VCALENDAR\n")
    assert busy_between(cal, OSLO, datetime(2027, 1, 1, tzinfo=OSLO), datetime(2027, 2, 1, tzinfo=OSLO)).meetings == []
