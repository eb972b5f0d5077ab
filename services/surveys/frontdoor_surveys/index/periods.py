"""Calendar periods in the tenant's time zone (pure): date ranges and month/week/day buckets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Period = Literal["day", "week", "month"]

# Days a range may name: wide enough for any contact, narrow enough that no zone shift overflows.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


def day_in_range(value: date | None) -> bool:
    """Whether a day given by a caller is within [FIRST_DAY, LAST_DAY] (None: not given)."""
    return value is None or FIRST_DAY <= value <= LAST_DAY


def range_bounds(first: date, last: date, time_zone: str) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in the zone, as UTC instants."""
    zone = ZoneInfo(time_zone)
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def bucket(moment: datetime, time_zone: str, period: Period) -> tuple[str, date]:
    """The period a moment falls in, locally: ('2026-11', 2026-11-01), ('2026-W47', monday), ('2026-11-17', day)."""
    local = moment.astimezone(ZoneInfo(time_zone)).date()
    if period == "day":
        return local.isoformat(), local
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}", local - timedelta(days=local.weekday())
    return f"{local.year}-{local.month:02d}", local.replace(day=1)


def default_range(today: date) -> tuple[date, date]:
    """The last twelve months up to today (from the first of the month eleven months back)."""
    month = today.month - 11
    year = today.year
    while month <= 0:
        month += 12
        year -= 1
    return date(year, month, 1), today
