"""CSV course feeds (UTF-8, a header row): uid, title, starts_at, ends_at required; place, seats,
signup_deadline, departments (codes or ids separated by `;` or `,`), status (`open` or `cancelled`)
optional, in any order; an unknown column is refused (a typo is not silently ignored). Times are
ISO 8601; a time without an offset is the tenant's local time."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from frontdoor_members.courses.feed_entries import (
    Bounds,
    FeedEntry,
    FeedInvalid,
    departments_value,
    keep,
    make_entry,
    seats_value,
    text_value,
    time_value,
    uid_value,
)

CSV_REQUIRED = ("uid", "title", "starts_at", "ends_at")
CSV_OPTIONAL = ("place", "seats", "signup_deadline", "departments", "status")


def _csv_rows(text: str, bounds: Bounds) -> Iterable[FeedEntry]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FeedInvalid(f"line 1: not CSV ({exc})", code="not_csv", where="line 1") from None
    if header is None:
        raise FeedInvalid("empty: no header row", code="not_csv", where="line 1")
    names = [h.strip().lower() for h in header]
    unknown = [n for n in names if n not in CSV_REQUIRED + CSV_OPTIONAL]
    missing = [n for n in CSV_REQUIRED if n not in names]
    if unknown or missing or len(set(names)) != len(names):
        bad = (unknown or missing or names)[0][:40]
        raise FeedInvalid(
            f"line 1: the header must name {', '.join(CSV_REQUIRED)} and may name {', '.join(CSV_OPTIONAL)},"
            f" each once (not: {bad!r})",
            code="bad_header",
            field=bad,
            where="line 1",
        )
    rows = 0
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            where = f"line {reader.line_num}"
            raise FeedInvalid(f"{where}: not CSV ({exc})", code="not_csv", where=where) from None
        if row is None:
            return
        where = f"line {reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if rows > bounds.max_entries * 4:  # past ones are left out, but not without end
            raise FeedInvalid(f"more than {bounds.max_entries * 4} rows", code="too_many_entries", where=where)
        if len(row) != len(names):
            raise FeedInvalid(f"{where}: {len(row)} fields, the header has {len(names)}", code="not_csv", where=where)
        cells = dict(zip(names, row, strict=True))
        yield _csv_entry(cells, where, bounds.tz)


def _csv_entry(cells: dict[str, str], where: str, tz: ZoneInfo) -> FeedEntry:
    uid = uid_value(cells["uid"], where)
    status = (cells.get("status") or "open").strip().lower()
    if status not in ("open", "cancelled", "canceled"):
        raise FeedInvalid("status: open or cancelled", code="invalid_field", field="status", where=where, uid=uid)
    starts_at = time_value(cells["starts_at"], tz, field="starts_at", where=where, uid=uid, required=True)
    ends_at = time_value(cells["ends_at"], tz, field="ends_at", where=where, uid=uid, required=True)
    assert starts_at is not None and ends_at is not None
    return make_entry(
        uid=uid,
        where=where,
        title=text_value(cells["title"], field="title", where=where, uid=uid, limit=200, required=True),
        starts_at=starts_at,
        ends_at=ends_at,
        place=text_value(cells.get("place"), field="place", where=where, uid=uid, limit=200, required=False),
        seats=seats_value(cells.get("seats"), where=where, uid=uid),
        deadline=time_value(
            cells.get("signup_deadline"), tz, field="signup_deadline", where=where, uid=uid, required=False
        ),
        departments=departments_value(cells.get("departments"), where=where, uid=uid),
        cancelled=status != "open",
    )


def parse_csv(text: str, bounds: Bounds) -> list[FeedEntry]:
    """The CSV document's entries (FeedInvalid naming the line and field otherwise)."""
    return keep(_csv_rows(text, bounds), bounds)
