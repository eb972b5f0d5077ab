"""Course feed entries: what one course of a feed says, checked value by value.

Shared by the CSV and iCalendar readers (courses/feed_csv.py, courses/feed_ical.py): a value that
is not what it should be is a `FeedInvalid` naming the line or event, the uid and the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MAX_UID = 300
MAX_DEPARTMENTS = 500
PAST = timedelta(days=1)  # entries that ended longer ago are left out


class FeedInvalid(ValueError):
    """The document, or one entry of it, cannot be imported. `code` is a fixed word; `where` says
    which line or event ("line 12", "event 3"), `uid` the entry's uid when it has one; `field` the field."""

    def __init__(
        self, detail: str, *, code: str, field: str | None = None, where: str | None = None, uid: str | None = None
    ) -> None:
        super().__init__(detail)
        self.detail, self.code, self.field, self.where, self.uid = detail, code, field, where, uid


@dataclass(frozen=True)
class FeedEntry:
    """One course as the feed describes it (times in UTC; departments as written: codes or ids)."""

    uid: str
    where: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    seats: int | None
    signup_deadline: datetime | None
    departments: tuple[str, ...]
    cancelled: bool

    def digest(self) -> str:
        """A hash of what the entry says (not where it stands in the document)."""
        fields = asdict(self)
        fields.pop("where")
        return hashlib.sha256(json.dumps(fields, default=str, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Bounds:
    """What one document may cost: its entries, the moment and how far ahead a series is expanded."""

    tz: ZoneInfo
    now: datetime
    horizon: timedelta
    max_entries: int


# -- values --------------------------------------------------------------------------------------


def text_value(value: str | None, *, field: str, where: str, uid: str | None, limit: int, required: bool) -> str | None:
    """One line of text (spaces collapsed), at most `limit` characters; None when empty and not required."""
    cleaned = " ".join((value or "").split())
    if not cleaned:
        if required:
            raise FeedInvalid(f"{field}: missing", code="missing_field", field=field, where=where, uid=uid)
        return None
    if len(cleaned) > limit or any(ord(c) < 32 or c == "\x7f" for c in cleaned):
        raise FeedInvalid(
            f"{field}: longer than {limit} characters or not text",
            code="invalid_field",
            field=field,
            where=where,
            uid=uid,
        )
    return cleaned


def uid_value(value: str | None, where: str) -> str:
    """The entry's uid: present, at most MAX_UID characters, no control characters."""
    uid = (value or "").strip()
    if not uid:
        raise FeedInvalid("uid: missing", code="missing_field", field="uid", where=where)
    if len(uid) > MAX_UID or any(ord(c) < 32 or c == "\x7f" for c in uid):
        raise FeedInvalid(
            f"uid: longer than {MAX_UID} characters or not text", code="invalid_field", field="uid", where=where
        )
    return uid


def moment(value: datetime | date, tz: ZoneInfo) -> datetime:
    """A date or time in UTC (a floating time or a date in the tenant's zone `tz`)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    aware = value.replace(tzinfo=tz) if value.tzinfo is None else value
    return aware.astimezone(UTC)


def plausible(value: datetime, *, field: str, where: str, uid: str | None) -> datetime:
    """The time, if within the years 2000-2999 (the catalogue's own bound)."""
    if not 2000 <= value.year <= 2999:
        raise FeedInvalid(
            f"{field}: must be within the years 2000-2999", code="invalid_field", field=field, where=where, uid=uid
        )
    return value


def time_value(
    value: str | None, tz: ZoneInfo, *, field: str, where: str, uid: str | None, required: bool
) -> datetime | None:
    """An ISO 8601 date and time in UTC (no offset: the tenant's local time); None when empty and not required."""
    raw = (value or "").strip()
    if not raw:
        if required:
            raise FeedInvalid(f"{field}: missing", code="missing_field", field=field, where=where, uid=uid)
        return None
    try:
        parsed = datetime.fromisoformat(raw)
        if len(raw) <= 10:  # a date alone: a course has times
            raise ValueError(raw)
        at = moment(parsed, tz)
    except (ValueError, OverflowError):
        raise FeedInvalid(
            f"{field}: not a date and time (ISO 8601, e.g. 2026-12-01T09:00:00+01:00)",
            code="invalid_field",
            field=field,
            where=where,
            uid=uid,
        ) from None
    return plausible(at, field=field, where=where, uid=uid)


def seats_value(value: str | None, *, where: str, uid: str) -> int | None:
    """Seats 1-10000, or None when not given."""
    raw = (value or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= 10_000:
        raise FeedInvalid(
            "seats: a whole number from 1 to 10000", code="invalid_field", field="seats", where=where, uid=uid
        )
    return int(raw)


def departments_value(value: str | None, *, where: str, uid: str) -> tuple[str, ...]:
    """Department codes or ids as written (split on commas, semicolons and spaces), each once."""
    names = [d for d in re.split(r"[;,\s]+", (value or "").replace("\\,", ",").replace("\\;", ";")) if d]
    if len(names) > MAX_DEPARTMENTS or any(len(d) > 64 for d in names):
        raise FeedInvalid(
            f"departments: at most {MAX_DEPARTMENTS}, each at most 64 characters",
            code="invalid_field",
            field="departments",
            where=where,
            uid=uid,
        )
    return tuple(dict.fromkeys(names))


def make_entry(
    *,
    uid: str,
    where: str,
    title: str | None,
    starts_at: datetime,
    ends_at: datetime,
    place: str | None,
    seats: int | None,
    deadline: datetime | None,
    departments: tuple[str, ...],
    cancelled: bool,
) -> FeedEntry:
    """The entry, its times in order (ends after it starts, the deadline at the latest the start)."""
    if ends_at <= starts_at:
        raise FeedInvalid(
            "ends_at: must be after starts_at", code="invalid_field", field="ends_at", where=where, uid=uid
        )
    if deadline is not None and deadline > starts_at:
        raise FeedInvalid(
            "signup_deadline: must be at the latest starts_at",
            code="invalid_field",
            field="signup_deadline",
            where=where,
            uid=uid,
        )
    assert title is not None
    return FeedEntry(uid, where, title, starts_at, ends_at, place, seats, deadline, departments, cancelled)


def keep(entries: Iterable[FeedEntry], bounds: Bounds) -> list[FeedEntry]:
    """The entries not long past; FeedInvalid for a uid twice or more entries than the bound."""
    kept: dict[str, FeedEntry] = {}
    for entry in entries:
        if entry.uid in kept:
            raise FeedInvalid(
                f"uid: appears twice ({kept[entry.uid].where} and {entry.where})",
                code="duplicate_uid",
                field="uid",
                where=entry.where,
                uid=entry.uid,
            )
        if entry.ends_at < bounds.now - PAST or entry.starts_at >= bounds.now + bounds.horizon:
            continue
        kept[entry.uid] = entry
        if len(kept) > bounds.max_entries:
            raise FeedInvalid(
                f"more than {bounds.max_entries} courses in the feed", code="too_many_entries", where=entry.where
            )
    return list(kept.values())
