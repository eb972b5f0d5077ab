"""Meetings with counsellors through the public API, on the real databases: slots, booking, refusals, isolation."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdoor_agents.testing import oslo
from frontdoor_common.auth import mint_token
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import auth, running_app

OTHER_TENANT = "7e000000-0000-4000-8000-000000000002"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
MEMBER = str(uuid.uuid4())


def z(at: datetime) -> str:
    """A time as the API renders it (UTC, Z)."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def counsellor(client: httpx.AsyncClient, name: str = "Randi Rådgiver", start: str = "08:00") -> str:
    """A member of staff working weekdays from `start` to 16:00."""
    r = await client.post(
        "/v1/agents", json={"name": name, "working_hours": [{"days": WEEKDAYS, "start": start, "end": "16:00"}]}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def cv_kind(client: httpx.AsyncClient, counsellors: list[str], code: str = "cv", **rules: Any) -> dict[str, Any]:
    """A 60-minute meeting kind, bookable 30 days ahead with an hour's notice (unless `rules` say otherwise)."""
    body = {"name": "CV meeting", "minutes": 60, "book_ahead_days": 30, "min_notice_minutes": 60}
    r = await client.put(f"/v1/meeting-kinds/{code}", json=body | rules | {"counsellor_ids": counsellors})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def book(client: httpx.AsyncClient, who: str, at: datetime, kind: str = "cv", **extra: Any) -> httpx.Response:
    """POST /v1/meetings."""
    body = {"kind": kind, "counsellor_id": who, "starts_at": at.isoformat(), "member_id": MEMBER} | extra
    return await client.post("/v1/meetings", json=body)


async def slot_starts(client: httpx.AsyncClient, who: str | None = None, kind: str = "cv", **window: str) -> list[str]:
    params = window | ({"counsellor_id": who} if who else {})
    r = await client.get(f"/v1/meeting-kinds/{kind}/slots", params=params)
    assert r.status_code == 200, r.text
    return [s["starts_at"] for s in r.json()]


def problem(r: httpx.Response, status: int) -> tuple[str, str | None]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()["error_id"], r.json().get("field")


@pytest.fixture
async def other(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same app for another tenant."""
    async with running_app(app) as c:
        c.headers.update(auth(mint_token(tenant_id=OTHER_TENANT, scopes="all")))
        yield c


async def test_the_first_free_slot_skips_an_existing_meeting_a_holiday_a_calendar_event_and_hours(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    # Wednesday 5 May 2027, 14:00 in Oslo; Thursday the 6th is Ascension Day.
    clock.set(oslo(2027, 5, 5, 14, 0))
    randi = await counsellor(client)
    await cv_kind(client, [randi])
    assert (await book(client, randi, oslo(2027, 5, 5, 15))).status_code == 201  # another member's meeting
    r = await client.post(
        f"/v1/agents/{randi}/calendar/events",
        json={
            "title": "Team meeting",
            "start": oslo(2027, 5, 7, 8).isoformat(),
            "end": oslo(2027, 5, 7, 9).isoformat(),
        },
    )
    assert r.status_code == 201, r.text

    starts = await slot_starts(client, randi, to=oslo(2027, 5, 10).isoformat())
    # Not 15:00 (booked), not on the holiday, not 08:00 Friday (the calendar), never past 16:00 or at the weekend.
    assert starts == [z(oslo(2027, 5, 7, h)) for h in (9, 10, 11, 12, 13, 14, 15)]

    r = await book(client, randi, oslo(2027, 5, 7, 9), note="Wants help with a CV for a welding job")
    assert r.status_code == 201, r.text
    meeting = r.json()
    assert (meeting["status"], meeting["starts_at"], meeting["ends_at"]) == (
        "booked",
        z(oslo(2027, 5, 7, 9)),
        z(oslo(2027, 5, 7, 10)),
    )
    assert (meeting["member_id"], meeting["kind"], meeting["counsellor_id"]) == (MEMBER, "cv", randi)
    assert (await client.get(f"/v1/meetings/{meeting['id']}")).json() == meeting
    assert (await slot_starts(client, randi, to=oslo(2027, 5, 10).isoformat()))[0] == z(oslo(2027, 5, 7, 10))
    listed = (await client.get("/v1/meetings", params={"counsellor_id": randi})).json()
    assert [m["starts_at"] for m in listed] == [z(oslo(2027, 5, 5, 15)), z(oslo(2027, 5, 7, 9))]


async def test_slots_of_every_allowed_counsellor_come_earliest_first(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.set(oslo(2027, 5, 4, 12, 0))
    early, late = await counsellor(client, "Early"), await counsellor(client, "Late", start="09:30")
    await cv_kind(client, [late, early], min_notice_minutes=0)
    r = await client.get("/v1/meeting-kinds/cv/slots", params={"to": oslo(2027, 5, 4, 14).isoformat()})
    got = [(s["starts_at"], s["counsellor_id"]) for s in r.json()]
    assert got == [
        (z(oslo(2027, 5, 4, 12)), early),
        (z(oslo(2027, 5, 4, 12, 30)), late),
        (z(oslo(2027, 5, 4, 13)), early),
        (z(oslo(2027, 5, 4, 13, 30)), late),
    ]


async def test_bookings_that_break_a_rule_are_refused_naming_why(client: httpx.AsyncClient, clock: ManualClock) -> None:
    clock.set(oslo(2027, 5, 5, 14, 0))
    randi, ola = await counsellor(client), await counsellor(client, "Ola")
    await cv_kind(client, [randi])
    cases = [
        (randi, oslo(2027, 5, 5, 13), "in_the_past"),
        (randi, oslo(2027, 5, 5, 14, 30), "too_short_notice"),
        (randi, oslo(2027, 6, 7, 10), "too_far_ahead"),
        (randi, oslo(2027, 5, 6, 10), "holiday"),
        (randi, oslo(2027, 5, 7, 10, 15), "outside_hours"),  # off the grid
        (randi, oslo(2027, 5, 7, 16), "outside_hours"),  # after her day
        (randi, oslo(2027, 5, 8, 10), "outside_hours"),  # Saturday
    ]
    for who, at, why in cases:
        assert problem(await book(client, who, at), 422) == (why, "starts_at"), (at, why)
    assert problem(await book(client, ola, oslo(2027, 5, 7, 10)), 422) == ("counsellor_not_allowed", "counsellor_id")
    assert problem(await book(client, randi, oslo(2027, 5, 7, 10), kind="nope"), 422) == (
        "unknown_meeting_kind",
        "kind",
    )
    r = await client.put(
        "/v1/meeting-kinds/cv",
        json={
            "name": "CV",
            "minutes": 60,
            "book_ahead_days": 30,
            "min_notice_minutes": 0,
            "counsellor_ids": [
                randi,
                str(uuid.uuid4()),
            ],
        },
    )
    assert problem(r, 422) == ("unknown_counsellor", "counsellor_ids.1")
    r = await client.put(
        "/v1/meeting-kinds/cv",
        json={"name": "CV", "minutes": 10, "book_ahead_days": 30, "min_notice_minutes": 0, "counsellor_ids": []},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "minutes"
    assert (await client.get("/v1/meetings")).json() == []


async def test_a_slot_window_longer_than_31_days_is_refused(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await cv_kind(client, [await counsellor(client)])
    start = clock.now()
    r = await client.get(
        "/v1/meeting-kinds/cv/slots",
        params={"from": start.isoformat(), "to": (start + timedelta(days=31, minutes=1)).isoformat()},
    )
    assert problem(r, 422) == ("window_too_long", "to")
    r = await client.get(
        "/v1/meeting-kinds/cv/slots",
        params={"from": start.isoformat(), "to": (start + timedelta(days=31)).isoformat()},
    )
    assert r.status_code == 200


async def test_cancelling_frees_the_slot_and_a_no_show_is_recorded_once_it_started(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.set(oslo(2027, 5, 4, 9, 0))
    randi = await counsellor(client)
    await cv_kind(client, [randi], min_notice_minutes=0)
    first = (await book(client, randi, oslo(2027, 5, 4, 10))).json()
    assert z(oslo(2027, 5, 4, 10)) not in await slot_starts(client, randi)
    r = await client.post(f"/v1/meetings/{first['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert z(oslo(2027, 5, 4, 10)) in await slot_starts(client, randi)
    assert problem(await client.post(f"/v1/meetings/{first['id']}/cancel"), 409) == ("meeting_not_booked", None)

    again = await book(client, randi, oslo(2027, 5, 4, 10))  # the same slot, for someone else
    assert again.status_code == 201, again.text
    meeting = again.json()["id"]
    assert problem(await client.post(f"/v1/meetings/{meeting}/no-show"), 409) == ("meeting_not_started", None)
    clock.set(oslo(2027, 5, 4, 10, 20))
    r = await client.post(f"/v1/meetings/{meeting}/no-show")
    assert r.status_code == 200 and r.json()["status"] == "no_show"


async def test_rescheduling_is_atomic_the_old_slot_is_freed_only_when_the_new_one_is_taken(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.set(oslo(2027, 5, 4, 9, 0))
    randi = await counsellor(client)
    await cv_kind(client, [randi], min_notice_minutes=0)
    mine = (await book(client, randi, oslo(2027, 5, 4, 10))).json()
    assert (await book(client, randi, oslo(2027, 5, 4, 11))).status_code == 201  # someone else's

    r = await client.post(f"/v1/meetings/{mine['id']}/reschedule", json={"starts_at": oslo(2027, 5, 4, 11).isoformat()})
    assert problem(r, 409) == ("slot_taken", "starts_at")
    assert r.json()["next_free"] == {
        "counsellor_id": randi,
        "starts_at": z(oslo(2027, 5, 4, 12)),
        "ends_at": z(oslo(2027, 5, 4, 13)),
    }
    assert (await client.get(f"/v1/meetings/{mine['id']}")).json()["starts_at"] == z(oslo(2027, 5, 4, 10))
    assert z(oslo(2027, 5, 4, 10)) not in await slot_starts(client, randi)
    r = await client.post(f"/v1/meetings/{mine['id']}/reschedule", json={"starts_at": oslo(2027, 5, 6, 9).isoformat()})
    assert problem(r, 422) == ("holiday", "starts_at")

    r = await client.post(f"/v1/meetings/{mine['id']}/reschedule", json={"starts_at": oslo(2027, 5, 4, 13).isoformat()})
    assert r.status_code == 200, r.text
    assert (r.json()["starts_at"], r.json()["ends_at"]) == (z(oslo(2027, 5, 4, 13)), z(oslo(2027, 5, 4, 14)))
    free = await slot_starts(client, randi, to=oslo(2027, 5, 4, 16).isoformat())
    assert free == [z(oslo(2027, 5, 4, h)) for h in (9, 10, 12, 14, 15)]
    # And on again, to the next slot.
    r = await client.post(f"/v1/meetings/{mine['id']}/reschedule", json={"starts_at": oslo(2027, 5, 4, 14).isoformat()})
    assert r.status_code == 200, r.text


async def test_another_tenants_meetings_kinds_and_staff_are_not_found(
    client: httpx.AsyncClient, other: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.set(oslo(2027, 5, 4, 9, 0))
    randi = await counsellor(client)
    await cv_kind(client, [randi], min_notice_minutes=0)
    meeting = (await book(client, randi, oslo(2027, 5, 4, 10))).json()["id"]
    theirs = await counsellor(other, "Their counsellor")
    await cv_kind(other, [theirs], min_notice_minutes=0)

    assert problem(await other.get(f"/v1/meetings/{meeting}"), 404)[0] == "meeting_not_found"
    for action, body in (("reschedule", {"starts_at": oslo(2027, 5, 4, 12).isoformat()}), ("cancel", None)):
        assert problem(await other.post(f"/v1/meetings/{meeting}/{action}", json=body), 404)[0] == "meeting_not_found"
    assert problem(await other.post(f"/v1/meetings/{meeting}/no-show"), 404)[0] == "meeting_not_found"
    assert problem(await book(other, randi, oslo(2027, 5, 4, 11)), 404)[0] == "agent_not_found"
    r = await other.get("/v1/meeting-kinds/cv/slots", params={"counsellor_id": randi})
    assert problem(r, 404)[0] == "agent_not_found"
    assert problem(await other.get("/v1/meetings", params={"counsellor_id": randi}), 404)[0] == "agent_not_found"
    r = await other.put(
        "/v1/meeting-kinds/cv",
        json={"name": "CV", "minutes": 60, "book_ahead_days": 30, "min_notice_minutes": 0, "counsellor_ids": [randi]},
    )
    assert problem(r, 422) == ("unknown_counsellor", "counsellor_ids.0")
    assert [k["counsellor_ids"] for k in (await other.get("/v1/meeting-kinds")).json()] == [[theirs]]
    assert (await other.get("/v1/meetings")).json() == []
    assert problem(await other.delete("/v1/meeting-kinds/nope"), 404)[0] == "meeting_kind_not_found"
    # Ours is untouched.
    assert (await client.get(f"/v1/meetings/{meeting}")).json()["status"] == "booked"
    assert (await client.get("/v1/meeting-kinds/cv")).json()["counsellor_ids"] == [randi]


async def test_a_meeting_in_the_counsellors_calendar_feed_removes_the_slot(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.set(oslo(2027, 5, 4, 9, 0))
    randi = await counsellor(client)
    await cv_kind(client, [randi], min_notice_minutes=0)
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:u-1@test\r\n"
        "DTSTAMP:20270101T000000Z\r\nDTSTART:20270504T080000Z\r\nDTEND:20270504T090000Z\r\n"  # 10-11 in Oslo
        "SUMMARY:Case review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert (await client.put(f"/v1/agents/{randi}/calendar/feed", json={"ics": ics})).status_code == 200
    starts = await slot_starts(client, randi, to=oslo(2027, 5, 4, 13).isoformat())
    assert starts == [z(oslo(2027, 5, 4, h)) for h in (9, 11, 12)]
    r = await book(client, randi, oslo(2027, 5, 4, 10))
    assert problem(r, 409) == ("slot_taken", "starts_at")
    assert r.json()["next_free"]["starts_at"] == z(oslo(2027, 5, 4, 11))


async def test_times_in_far_off_years_are_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    randi = await counsellor(client)
    await cv_kind(client, [randi])
    body = {"kind": "cv", "counsellor_id": randi, "starts_at": "0001-01-01T00:30:00+01:00", "member_id": MEMBER}
    r = await client.post("/v1/meetings", json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "starts_at", r.text
    r = await client.post("/v1/meetings", json=body | {"starts_at": "9999-12-31T23:30:00+00:00"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "starts_at", r.text
    r = await client.get("/v1/meeting-kinds/cv/slots", params={"from": "9999-12-31T23:00:00Z"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "from", r.text
    r = await client.get("/v1/meetings", params={"to": "0001-01-01T00:00:00+01:00"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to", r.text
