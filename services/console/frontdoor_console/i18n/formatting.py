"""Dates, times and numbers in the user's locale and the tenant's time zone (Babel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import dates, numbers

from frontdoor_console.settings import Locale

# Babel's names for our locales.
BABEL_LOCALES: dict[Locale, str] = {"en": "en_GB", "nb": "nb_NO", "da": "da_DK", "nl": "nl_NL"}


@dataclass(frozen=True)
class Formatter:
    """Formats for one user: their locale, their tenant's zone."""

    locale: Locale
    zone: ZoneInfo

    @property
    def babel(self) -> str:
        """Babel's locale name."""
        return BABEL_LOCALES[self.locale]

    def local(self, value: datetime | str) -> datetime:
        """The moment in the tenant's zone (a service's RFC 3339 string too)."""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.astimezone(self.zone)

    def month(self, value: date | datetime | str | None) -> str:
        """A month and year (e.g. mars 2026)."""
        if value is None:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        if isinstance(value, datetime):
            value = self.local(value).date()
        return dates.format_date(value, format="LLLL y", locale=self.babel)

    def time(self, value: datetime | str | None) -> str:
        """A time of day, e.g. 14:05."""
        if value is None:
            return ""
        return dates.format_time(self.local(value), format="short", locale=self.babel)

    def date_time(self, value: datetime | str | None) -> str:
        """A date and time, short."""
        if value is None:
            return ""
        return dates.format_datetime(self.local(value), format="short", locale=self.babel)

    def day_time(self, value: datetime | str | None) -> str:
        """A weekday, day and month with the time of day (e.g. tir. 1. des. 10:00): a slot or a meeting."""
        if value is None:
            return ""
        moment = self.local(value)
        day = dates.format_skeleton("MMMEd", moment, locale=self.babel)
        return f"{day} {dates.format_time(moment, format='short', locale=self.babel)}"

    def date(self, value: date | datetime | str | None) -> str:
        """A date, medium length (e.g. 3. mars 2026)."""
        if value is None:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        if isinstance(value, datetime):
            value = self.local(value).date()
        return dates.format_date(value, format="medium", locale=self.babel)

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """A number with the locale's separators (a dash for no value)."""
        if not isinstance(value, int | float):
            return "\u2013"  # an en dash: no value
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return numbers.format_decimal(value, format=pattern, locale=self.babel)

    def percent(self, value: float | None) -> str:
        """A share (0-1) as a percentage (a dash for no value)."""
        if not isinstance(value, int | float):
            return "\u2013"  # an en dash: no value
        return numbers.format_percent(value, locale=self.babel)

    def seconds(self, value: float | None) -> str:
        """A duration as m:ss (or h:mm:ss; a dash for no value)."""
        if not isinstance(value, int | float):
            return "\u2013"  # an en dash: no value
        total = max(0, round(value))
        hours, rest = divmod(total, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
