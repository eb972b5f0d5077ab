"""When a member's deadline is escalated: a number of working days before it (pure; time is an argument)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

ESCALATE_AT_LOCAL = time(8, 0)  # the start of a working day, so someone is there to see it


def working_day(day: date, closed: set[date]) -> bool:
    """Monday to Friday, and not a public holiday."""
    return day.weekday() < 5 and day not in closed


def public_holidays(country: str, years: range) -> set[date]:
    """The country's public holidays in `years` (none for a country the library does not know)."""
    try:
        return set(holidays.country_holidays(country, years=list(years)).keys())
    except NotImplementedError:
        return set()


def escalate_at(deadline: date, *, lead_working_days: int, zone: ZoneInfo, country: str, now: datetime) -> datetime:
    """08:00 local on the working day `lead_working_days` before the deadline; never before `now`."""
    closed = public_holidays(country, range(deadline.year - 1, deadline.year + 1))
    day, left = deadline, lead_working_days
    while left > 0:
        day -= timedelta(days=1)
        if working_day(day, closed):
            left -= 1
    at = datetime.combine(day, ESCALATE_AT_LOCAL, tzinfo=zone)
    return max(at.astimezone(now.tzinfo), now)
