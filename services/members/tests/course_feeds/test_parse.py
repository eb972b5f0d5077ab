"""The feed parser alone (pure functions): local times in the tenant's zone, all-day events, past
entries left out, departments as written, the hash of what an entry says; no feeds from this machine in production."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet

from frontdoor_members.courses.feed_parse import Bounds, FeedInvalid, parse
from frontdoor_members.settings import Settings

from .conftest import csv_feed, csv_row, ical_feed, vevent

BOUNDS = Bounds(
    tz=ZoneInfo("Europe/Oslo"),
    now=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
    horizon=timedelta(days=400),
    max_entries=50,
)


def test_a_time_without_an_offset_is_the_tenants_local_time() -> None:
    [entry] = parse(
        csv_feed(csv_row("a", starts_at="2026-12-10T09:00", ends_at="2026-12-10T15:00+01:00")), "csv", BOUNDS
    )
    assert entry.starts_at == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    assert entry.ends_at == datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    [event] = parse(ical_feed(vevent("b", start="20261210T090000", end="20261210T100000")), "ical", BOUNDS)
    assert event.starts_at == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)


def test_an_all_day_event_is_the_local_day_and_its_deadline_defaults_to_none() -> None:
    text = ical_feed("BEGIN:VEVENT\r\nUID:day\r\nSUMMARY:Seminar\r\nDTSTART;VALUE=DATE:20261210\r\nEND:VEVENT\r\n")
    [entry] = parse(text, "ical", BOUNDS)
    assert (entry.starts_at, entry.ends_at) == (
        datetime(2026, 12, 9, 23, 0, tzinfo=UTC),
        datetime(2026, 12, 10, 23, 0, tzinfo=UTC),
    )
    assert entry.signup_deadline is None and entry.seats is None and entry.departments == ()


def test_entries_that_ended_more_than_a_day_ago_are_left_out() -> None:
    past = csv_row("old", starts_at="2026-11-20T09:00:00Z", ends_at="2026-11-20T10:00:00Z", signup_deadline="")
    entries = parse(csv_feed(past, csv_row("new")), "csv", BOUNDS)
    assert [e.uid for e in entries] == ["new"]


def test_departments_are_split_on_commas_semicolons_and_spaces_once_each() -> None:
    [entry] = parse(csv_feed(csv_row("a", departments='"OSL; BRG,OSL"')), "csv", BOUNDS)
    assert entry.departments == ("OSL", "BRG")
    [event] = parse(ical_feed(vevent("b", "X-FRONTDOOR-DEPARTMENTS:OSL\\,BRG")), "ical", BOUNDS)
    assert event.departments == ("OSL", "BRG")


def test_the_hash_changes_with_what_the_entry_says_not_where_it_stands() -> None:
    [a] = parse(csv_feed(csv_row("a")), "csv", BOUNDS)
    moved = parse(csv_feed(csv_row("z"), csv_row("a")), "csv", BOUNDS)[1]
    assert a.digest() == moved.digest() and moved.where != a.where
    [c] = parse(csv_feed(csv_row("a", seats="3")), "csv", BOUNDS)
    assert c.digest() != a.digest()


def test_more_entries_than_the_bound_are_refused_at_the_first_one_over() -> None:
    with pytest.raises(FeedInvalid) as caught:
        parse(csv_feed(*(csv_row(f"u{i}") for i in range(60))), "csv", BOUNDS)
    assert (caught.value.code, caught.value.where) == ("too_many_entries", "line 52")


def test_fetching_feeds_from_this_machine_is_refused_in_production() -> None:
    production: dict[str, Any] = {
        "environment": "production",
        "jwt_secret": secrets.token_hex(32),
        "data_keys": [Fernet.generate_key().decode()],
        "seal_keys": [Fernet.generate_key().decode()],
        "subject_digest_key": secrets.token_hex(32),
    }
    assert Settings(**production).course_feed_allow_private is False
    with pytest.raises(ValueError, match="course_feed_allow_private"):
        Settings(**production, course_feed_allow_private=True)
