"""Hostile feeds: a malformed document is a 422 naming the line or uid and the field, with nothing
imported; too many entries, a recurrence more often than daily or one that never ends within the
budget are refused clearly; a body over the cap is a 413; a wrong media type a 415."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import course_count, csv_feed, csv_row, ical_feed, import_feed, vevent


@pytest.mark.parametrize(
    ("body", "field", "where", "uid"),
    [
        (csv_feed(csv_row("ok"), csv_row("bad", starts_at="10.12.2026 09:00")), "starts_at", "line 3", "bad"),
        (csv_feed(csv_row("ok"), csv_row("bad", seats="many")), "seats", "line 3", "bad"),
        (csv_feed(csv_row("ok"), csv_row("bad", ends_at="2026-12-10T08:00:00Z")), "ends_at", "line 3", "bad"),
        (
            csv_feed(csv_row("ok"), csv_row("bad", signup_deadline="2026-12-11T00:00:00Z")),
            "signup_deadline",
            "line 3",
            "bad",
        ),
        (csv_feed(csv_row("ok"), csv_row("bad", status="maybe")), "status", "line 3", "bad"),
        (csv_feed(csv_row("ok"), csv_row("", title="no uid")), "uid", "line 3", None),
        (csv_feed(csv_row("ok"), csv_row("ok")), "uid", "line 3", "ok"),
        (csv_feed(csv_row("ok"), csv_row("bad", title="")), "title", "line 3", "bad"),
        (csv_feed(csv_row("ok"), csv_row("bad", starts_at="3026-12-10T09:00:00Z")), "starts_at", "line 3", "bad"),
        (b"uid,title,starts_at,ends_at,seat\r\nx,y,2026-12-10T09:00Z,2026-12-10T10:00Z,1\r\n", "seat", "line 1", None),
        (csv_feed(csv_row("ok"), csv_row("bad") + ",extra"), "body", "line 3", None),
    ],
)
async def test_a_malformed_csv_is_422_naming_the_line_uid_and_field_and_nothing_is_imported(
    feeds_app: Callable[..., Any], body: bytes, field: str, where: str, uid: str | None
) -> None:
    async with feeds_app() as (client, app):
        r = await import_feed(client, body)
        assert r.status_code == 422, r.text
        problem = r.json()
        assert (problem["error_id"], problem["field"], problem["where"]) == ("feed_invalid", field, where)
        assert problem.get("uid") == uid
        assert r.headers["content-type"] == "application/problem+json"
        assert await course_count(app) == 0


@pytest.mark.parametrize(
    ("body", "field", "uid", "reason"),
    [
        (
            ical_feed(vevent("ok"), "BEGIN:VEVENT\r\nUID:no-start\r\nSUMMARY:X\r\nEND:VEVENT\r\n"),
            "dtstart",
            "no-start",
            "missing_field",
        ),
        (ical_feed(vevent("ok"), vevent("bad", "X-FRONTDOOR-SEATS:-3")), "seats", "bad", "invalid_field"),
        (
            ical_feed(vevent("ok"), vevent("bad", start="20261210T090000Z", end="20261210T080000Z")),
            "ends_at",
            "bad",
            "invalid_field",
        ),
        (ical_feed(vevent("bad", "DTSTART:garbage")), "dtstart", "bad", "invalid_field"),
        (ical_feed(vevent("every-minute", "RRULE:FREQ=MINUTELY")), "rrule", "every-minute", "too_frequent"),
        (ical_feed(vevent("twice-a-day", "RRULE:FREQ=DAILY;BYHOUR=9,15")), "rrule", "twice-a-day", "too_frequent"),
        (b"BEGIN:VCALENDAR\r\nthis is not", "body", None, "not_calendar"),
        (
            ical_feed(vevent("dur", "DURATION:-PT1H").replace("DTEND:20261210T150000Z\r\n", "")),
            "ends_at",
            "dur",
            "invalid_field",
        ),
        (b"\xff\xfeB\x00E\x00", "body", None, "not_utf8"),
    ],
)
async def test_a_malformed_calendar_is_422_naming_the_uid_and_field(
    feeds_app: Callable[..., Any], body: bytes, field: str, uid: str | None, reason: str
) -> None:
    async with feeds_app() as (client, app):
        r = await import_feed(client, body, "text/calendar")
        assert r.status_code == 422, r.text
        problem = r.json()
        assert (problem["error_id"], problem["field"], problem["reason"]) == ("feed_invalid", field, reason)
        assert problem.get("uid") == uid
        if uid:
            assert uid in problem["detail"]
        assert await course_count(app) == 0


@pytest.mark.slow  # a volume/race check: CI's slow step runs it (make test stays under 15 minutes)
async def test_an_endless_daily_rule_is_expanded_to_the_horizon_and_refused_past_the_entry_bound(
    feeds_app: Callable[..., Any],
) -> None:
    async with feeds_app(course_feed_max_entries=100, course_feed_horizon_days=60) as (client, _app):
        endless = ical_feed(vevent("daily", "RRULE:FREQ=DAILY", "X-FRONTDOOR-SEATS:3"))
        r = await import_feed(client, endless, "text/calendar")
        assert r.status_code == 200, r.text
        assert r.json()["counts"]["created"] == 46  # 12-10 .. 01-24: up to 60 days from now, not for ever
        r = await import_feed(
            client, ical_feed(vevent("daily", "RRULE:FREQ=DAILY;UNTIL=20280101T000000Z")), "text/calendar"
        )
        assert r.status_code == 200  # UNTIL beyond the horizon: still the horizon
    async with feeds_app(course_feed_max_entries=100) as (client, _app):
        r = await import_feed(client, endless, "text/calendar")
        assert r.status_code == 422 and r.json()["reason"] == "too_many_entries", r.text


@pytest.mark.slow  # a volume/race check: CI's slow step runs it (make test stays under 15 minutes)
async def test_a_rule_that_never_yields_is_stopped_by_the_budget(feeds_app: Callable[..., Any]) -> None:
    async with feeds_app(course_feed_parse_budget_s=0.5) as (client, _app):
        # the 30th of February, every day: the expander walks day by day to the year 9999 (seconds)
        never = ical_feed(
            vevent(
                "never", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", start="20261126T090000Z", end="20261126T100000Z"
            )
        )
        started = time.monotonic()
        r = await import_feed(client, never, "text/calendar", default_seats=5)
        elapsed = time.monotonic() - started
        assert r.status_code == 422 and r.json()["reason"] == "too_complex", r.text
        assert elapsed < 3.0
        assert (await client.get("/healthz")).status_code == 200  # the loop was never held


@pytest.mark.slow  # a volume/race check: CI's slow step runs it (make test stays under 15 minutes)
async def test_a_feed_of_50000_entries_is_refused_by_size_or_by_the_entry_bound(feeds_app: Callable[..., Any]) -> None:
    rows = [f"u{i},T,2026-12-10T09:00Z,2026-12-10T10:00Z" for i in range(50_000)]
    big = ("uid,title,starts_at,ends_at\r\n" + "\r\n".join(rows)).encode()
    async with feeds_app() as (client, app):
        r = await import_feed(client, big, default_seats=1)
        assert r.status_code == 413 and r.json()["error_id"] == "body_too_large"
    async with feeds_app(max_body_bytes=4_000_000, course_feed_max_bytes=4_000_000) as (client, app):
        started = time.monotonic()
        r = await import_feed(client, big, default_seats=1)
        assert r.status_code == 422 and r.json()["reason"] == "too_many_entries", r.text
        assert r.json()["where"] == "line 2002"  # stopped at the 2001st, not at the 50,000th
        assert time.monotonic() - started < 5
        assert await course_count(app) == 0
    async with feeds_app(course_feed_max_bytes=1000) as (client, app):
        r = await import_feed(client, csv_feed(*(csv_row(f"c{i}") for i in range(30))))
        assert r.status_code == 413 and r.json()["error_id"] == "body_too_large"


async def test_a_body_that_is_not_calendar_or_csv_is_415(feeds_app: Callable[..., Any]) -> None:
    async with feeds_app() as (client, app):
        for media in ("application/json", "text/plain", ""):
            r = await import_feed(client, b'{"a": 1}', media)
            assert r.status_code == 415 and r.json()["field"] == "content-type", (media, r.text)
        r = await import_feed(client, csv_feed(csv_row("x")), "text/csv", source="Not A Source!")
        assert (r.status_code, r.json()["field"]) == (422, "source")
        r = await import_feed(client, csv_feed(csv_row("x", seats="")), "text/csv", default_seats=0)
        assert (r.status_code, r.json()["field"]) == (422, "default_seats")
        assert await course_count(app) == 0
