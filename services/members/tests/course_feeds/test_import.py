"""POST /v1/courses/import on the real database: created, unchanged, updated, cancelled through the
catalogue's cancel (everyone told), refused without a half-write, missing reported and left open,
another tenant's courses never touched, two imports at once never a duplicate."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from frontdoor_members.testing import OTHER_TENANT, headers

from .conftest import (
    by_uid,
    course_count,
    csv_feed,
    csv_row,
    ical_feed,
    import_feed,
    imported,
    outbox_events,
    some_members,
    vevent,
)


async def test_a_csv_feed_creates_then_leaves_unchanged_then_updates_only_the_changed_entry(
    feeds_app: Callable[..., Any],
) -> None:
    async with feeds_app() as (client, _app):
        feed = csv_feed(csv_row("k-1"), csv_row("k-2", seats="", place=""))
        report = await imported(client, feed, default_seats=12)
        assert report["counts"] == {
            "created": 2, "updated": 0, "unchanged": 0, "cancelled": 0, "refused": 0, "missing": 0
        }  # fmt: skip
        one, two = by_uid(report)["k-1"], by_uid(report)["k-2"]
        course = (await client.get(f"/v1/courses/{two['course_id']}", headers=headers())).json()
        assert (course["title"], course["seats"], course["place"]) == ("Kurs k-2", 12, None)
        assert (course["source"], course["external_uid"]) == ("import", "k-2")

        again = await imported(client, feed, default_seats=12)
        assert again["counts"]["unchanged"] == 2 and again["counts"]["created"] == 0

        changed = csv_feed(csv_row("k-1", title="Grunnkurs", seats="5"), csv_row("k-2", seats="", place=""))
        report = await imported(client, changed, default_seats=12)
        assert by_uid(report)["k-1"]["outcome"] == "updated"
        assert by_uid(report)["k-1"]["fields"] == ["seats", "title"]
        assert by_uid(report)["k-2"]["outcome"] == "unchanged"
        course = (await client.get(f"/v1/courses/{one['course_id']}", headers=headers())).json()
        assert (course["title"], course["seats"]) == ("Grunnkurs", 5)
        assert len((await client.get("/v1/courses", headers=headers())).json()) == 2


async def test_an_ical_series_is_one_course_per_occurrence_and_a_cancelled_occurrence_tells_those_signed_up(
    feeds_app: Callable[..., Any],
) -> None:
    async with feeds_app() as (client, app):
        r = await client.post("/v1/departments", json={"code": "OSL", "name": "Oslo"}, headers=headers())
        assert r.status_code == 201, r.text
        oslo = r.json()["id"]
        series = vevent(
            "kveldskurs@kurs",
            "RRULE:FREQ=WEEKLY;COUNT=3",
            "LOCATION:Folkets hus\\, Oslo",
            "X-FRONTDOOR-SEATS:1",
            "X-FRONTDOOR-DEPARTMENTS:osl",
            "X-FRONTDOOR-SIGNUP-DEADLINE:20261209T120000Z",
        )
        report = await imported(client, ical_feed(series), "text/calendar")
        assert report["counts"]["created"] == 3
        uids = sorted(by_uid(report))
        assert uids == [f"kveldskurs@kurs/202612{d}T090000Z" for d in ("10", "17", "24")]
        first = by_uid(report)[uids[1]]["course_id"]
        course = (await client.get(f"/v1/courses/{first}", headers=headers())).json()
        assert (course["place"], course["seats"], course["department_ids"]) == ("Folkets hus, Oslo", 1, [oslo])
        assert course["signup_deadline"] == "2026-12-09T12:00:00Z"

        a, b = await some_members(client, 2, department_id=oslo)
        for m in (a, b):
            r = await client.post(f"/v1/courses/{first}/signups", json={"member_id": m["id"]}, headers=headers())
            assert r.status_code == 201, r.text
        cancelled = vevent(
            "kveldskurs@kurs",
            "RECURRENCE-ID:20261217T090000Z",
            "STATUS:CANCELLED",
            "X-FRONTDOOR-SEATS:1",
            "X-FRONTDOOR-DEPARTMENTS:osl",
            start="20261217T090000Z",
            end="20261217T150000Z",
        )
        report = await imported(client, ical_feed(series, cancelled), "text/calendar")
        assert by_uid(report)[uids[1]]["outcome"] == "cancelled"
        assert report["counts"]["unchanged"] == 2 and report["counts"]["cancelled"] == 1
        course = (await client.get(f"/v1/courses/{first}", headers=headers())).json()
        assert course["status"] == "cancelled"
        [event] = [d for t, d in await outbox_events(app) if t == "members.course.cancelled"]
        assert {s["member_id"]: s["was"] for s in event["signups"]} == {a["id"]: "confirmed", b["id"]: "waiting"}
        for m in (a, b):
            log = (await client.get(f"/v1/members/{m['id']}/log?kind=course", headers=headers())).json()
            assert any("was cancelled" in e["summary"] for e in log["entries"])
        # the same feed again: nothing more happens, nobody is told twice
        report = await imported(client, ical_feed(series, cancelled), "text/calendar")
        assert report["counts"]["unchanged"] == 3
        assert len([t for t, _ in await outbox_events(app) if t == "members.course.cancelled"]) == 1


async def test_fewer_seats_than_confirmed_is_refused_whole_while_the_other_entries_go_ahead(
    feeds_app: Callable[..., Any],
) -> None:
    async with feeds_app() as (client, _app):
        report = await imported(client, csv_feed(csv_row("a", seats="2"), csv_row("b")))
        course_a = by_uid(report)["a"]["course_id"]
        for m in await some_members(client, 2):
            r = await client.post(f"/v1/courses/{course_a}/signups", json={"member_id": m["id"]}, headers=headers())
            assert r.json()["status"] == "confirmed"
        feed = csv_feed(csv_row("a", seats="1", title="Renamed"), csv_row("b", title="B renamed"))
        report = await imported(client, feed)
        refused = by_uid(report)["a"]
        assert (refused["outcome"], refused["field"], refused["course_id"]) == ("refused", "seats", course_a)
        assert "2 members have a seat" in refused["reason"]
        assert by_uid(report)["b"]["outcome"] == "updated"
        course = (await client.get(f"/v1/courses/{course_a}", headers=headers())).json()
        assert (course["title"], course["seats"], course["seats_taken"]) == ("Kurs a", 2, 2)  # nothing half-applied
        # refused again next time (the entry is not taken as imported)
        assert by_uid(await imported(client, feed))["a"]["outcome"] == "refused"
        # an unknown department: refused, naming the field
        report = await imported(client, csv_feed(csv_row("c", departments="NOPE")))
        assert (by_uid(report)["c"]["outcome"], by_uid(report)["c"]["field"]) == ("refused", "departments")


async def test_an_entry_gone_from_a_complete_feed_is_reported_missing_and_left_open(
    feeds_app: Callable[..., Any],
) -> None:
    async with feeds_app() as (client, _app):
        report = await imported(client, csv_feed(csv_row("stays"), csv_row("goes")))
        gone = by_uid(report)["goes"]["course_id"]
        report = await imported(client, csv_feed(csv_row("stays")))
        assert report["counts"]["missing"] == 1
        assert report["missing"] == [{"uid": "goes", "course_id": gone}]
        course = (await client.get(f"/v1/courses/{gone}", headers=headers())).json()
        assert course["status"] == "open"
        report = await imported(client, csv_feed(csv_row("stays")), complete="false")
        assert report["missing"] == [] and report["counts"]["missing"] == 0
        # another source's courses are not this source's missing ones
        report = await imported(client, csv_feed(csv_row("other")), source="kursadmin")
        assert report["counts"] == {
            "created": 1, "updated": 0, "unchanged": 0, "cancelled": 0, "refused": 0, "missing": 0
        }  # fmt: skip


async def test_a_csv_status_column_cancels_and_a_course_cancelled_here_is_not_reopened(
    feeds_app: Callable[..., Any],
) -> None:
    async with feeds_app() as (client, _app):
        report = await imported(client, csv_feed(csv_row("x"), csv_row("y")))
        x, y = by_uid(report)["x"]["course_id"], by_uid(report)["y"]["course_id"]
        report = await imported(client, csv_feed(csv_row("x", status="cancelled"), csv_row("y")))
        assert by_uid(report)["x"]["outcome"] == "cancelled"
        assert (await client.get(f"/v1/courses/{x}", headers=headers())).json()["status"] == "cancelled"
        assert (await client.post(f"/v1/courses/{y}/cancel", headers=headers())).status_code == 200
        report = await imported(client, csv_feed(csv_row("x", status="cancelled"), csv_row("y", title="New")))
        assert (by_uid(report)["y"]["outcome"], by_uid(report)["y"]["field"]) == ("refused", "status")


async def test_another_tenants_courses_with_the_same_uids_are_never_touched(feeds_app: Callable[..., Any]) -> None:
    async with feeds_app() as (client, _app):
        theirs = await import_feed(client, csv_feed(csv_row("same", title="Theirs")), tenant=OTHER_TENANT)
        their_id = by_uid(theirs.json())["same"]["course_id"]
        mine = await imported(client, csv_feed(csv_row("same", title="Mine", status="")))
        assert by_uid(mine)["same"]["outcome"] == "created" and by_uid(mine)["same"]["course_id"] != their_id
        await imported(client, csv_feed(csv_row("same", status="cancelled")))
        report = await imported(client, csv_feed(csv_row("new")))
        assert [m["uid"] for m in report["missing"]] == []  # cancelled: not missing; theirs: not ours
        other = headers(OTHER_TENANT)
        course = (await client.get(f"/v1/courses/{their_id}", headers=other)).json()
        assert (course["title"], course["status"]) == ("Theirs", "open")
        assert (await client.get(f"/v1/courses/{their_id}", headers=headers())).status_code == 404


async def test_two_imports_of_the_same_feed_at_once_create_each_course_once(feeds_app: Callable[..., Any]) -> None:
    async with feeds_app() as (client, app):
        feed = csv_feed(*(csv_row(f"c{i}") for i in range(40)))
        answers = await asyncio.gather(*(import_feed(client, feed) for _ in range(4)))
        assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
        assert sum(a.json()["counts"]["created"] for a in answers) == 40
        assert sum(a.json()["counts"]["unchanged"] for a in answers) == 120
        assert await course_count(app) == 40
