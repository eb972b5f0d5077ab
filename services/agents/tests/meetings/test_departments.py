"""Counsellors of the member's department (issue 16): a member of staff's department, slots and bookings
limited to it, and a member's meetings, through the public API on the real databases."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_agents.testing import oslo
from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
EAST, WEST = str(uuid.uuid4()), str(uuid.uuid4())  # the members service's departments: opaque ids here


def z(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def staff(client: httpx.AsyncClient, name: str, department: str | None, start: str = "08:00") -> str:
    body: dict[str, Any] = {"name": name, "working_hours": [{"days": WEEKDAYS, "start": start, "end": "16:00"}]}
    if department is not None:
        body["department_id"] = department
    r = await client.post("/v1/agents", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["department_id"] == department
    return str(r.json()["id"])


async def cv_kind(client: httpx.AsyncClient, counsellors: list[str]) -> None:
    body = {"name": "CV meeting", "minutes": 60, "book_ahead_days": 60, "min_notice_minutes": 0}
    r = await client.put("/v1/meeting-kinds/cv", json=body | {"counsellor_ids": counsellors})
    assert r.status_code == 200, r.text


async def slots(client: httpx.AsyncClient, to: datetime, **params: str) -> list[tuple[str, str]]:
    r = await client.get("/v1/meeting-kinds/cv/slots", params={"to": to.isoformat()} | params)
    assert r.status_code == 200, r.text
    return [(s["starts_at"], s["counsellor_id"]) for s in r.json()]


async def book(client: httpx.AsyncClient, who: str, at: datetime, member: str, **extra: Any) -> httpx.Response:
    body = {"kind": "cv", "counsellor_id": who, "starts_at": at.isoformat(), "member_id": member} | extra
    return await client.post("/v1/meetings", json=body)


async def upserted(app: FastAPI, agent: str) -> list[dict[str, Any]]:
    """The `agents.agent.upserted` events of one agent in the outbox, oldest first."""
    async with app.state.runtime.db.transaction() as session:
        query = (
            select(outbox.c.payload)
            .where(outbox.c.type == "agents.agent.upserted", outbox.c.key == agent)
            .order_by(outbox.c.id)
        )
        return [json.loads(p)["data"] for p in await session.scalars(query)]


async def test_a_staff_members_department_is_set_kept_changed_and_cleared_and_the_events_carry_it(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    randi = await staff(client, "Randi", EAST)
    assert (await client.get(f"/v1/agents/{randi}")).json()["department_id"] == EAST
    r = await client.patch(f"/v1/agents/{randi}", json={"name": "Randi R."})
    assert (r.status_code, r.json()["department_id"]) == (200, EAST)  # absent: unchanged
    r = await client.patch(f"/v1/agents/{randi}", json={"department_id": WEST})
    assert (r.status_code, r.json()["department_id"]) == (200, WEST)
    r = await client.patch(f"/v1/agents/{randi}", json={"department_id": None})
    assert (r.status_code, r.json()["department_id"]) == (200, None)  # null: no department
    r = await client.patch(f"/v1/agents/{randi}", json={"department_id": "east"})
    assert (r.status_code, r.json()["field"]) == (422, "department_id")

    events = await upserted(app, randi)
    moves = (
        [(e["previous"] or {}).get("department_id") for e in events],
        [e["current"]["department_id"] for e in events],
    )
    assert moves == ([None, EAST, EAST, WEST], [EAST, EAST, WEST, None])
    snapshots = (await client.get("/v1/agents/snapshots")).json()
    assert [s["department_id"] for s in snapshots if s["agent_id"] == randi] == [None]


async def test_slots_of_a_department_are_those_of_its_counsellors_whom_the_kind_allows(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.set(oslo(2027, 5, 4, 12, 0))  # Tuesday
    east = await staff(client, "East", EAST)
    west = await staff(client, "West", WEST, start="08:30")
    nobody = await staff(client, "Nobody's", None, start="09:15")
    not_allowed = await staff(client, "East, not CV", EAST)
    await cv_kind(client, [east, west, nobody])
    until = oslo(2027, 5, 4, 14)

    assert {who for _, who in await slots(client, until)} == {east, west, nobody}
    assert await slots(client, until, department_id=EAST) == [(z(oslo(2027, 5, 4, h)), east) for h in (12, 13)]
    assert await slots(client, until, department_id=WEST) == [
        (z(oslo(2027, 5, 4, 12, 30)), west),
        (z(oslo(2027, 5, 4, 13, 30)), west),
    ]
    assert await slots(client, until, department_id=EAST, counsellor_id=west) == []
    assert await slots(client, until, department_id=EAST, counsellor_id=not_allowed) == []
    assert await slots(client, until, department_id=str(uuid.uuid4())) == []
    r = await client.get("/v1/meeting-kinds/cv/slots", params={"department_id": "east"})
    assert (r.status_code, r.json()["field"]) == (422, "department_id")


async def test_a_booking_naming_the_members_department_refuses_a_counsellor_of_another(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.set(oslo(2027, 5, 4, 12, 0))
    east, west = await staff(client, "East", EAST), await staff(client, "West", WEST)
    nobody = await staff(client, "Nobody's", None)
    await cv_kind(client, [east, west, nobody])
    member = str(uuid.uuid4())

    for who in (west, nobody):
        r = await book(client, who, oslo(2027, 5, 5, 10), member, department_id=EAST)
        assert r.status_code == 422, r.text
        assert (r.json()["error_id"], r.json()["field"]) == ("counsellor_not_in_department", "department_id")
    assert (await client.get("/v1/meetings", params={"member_id": member})).json() == []  # nothing written

    r = await book(client, east, oslo(2027, 5, 5, 10), member, department_id=EAST)
    assert r.status_code == 201, r.text
    assert (r.json()["department_id"], r.json()["counsellor_id"]) == (EAST, east)
    r = await book(client, west, oslo(2027, 5, 5, 10), str(uuid.uuid4()))  # no department named: any allowed
    assert (r.status_code, r.json()["department_id"]) == (201, None)


async def test_the_next_free_slot_of_a_booking_naming_a_department_is_one_of_its_counsellors(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.set(oslo(2027, 5, 4, 12, 0))
    east = await staff(client, "East", EAST)
    west = await staff(client, "West, early", WEST, start="08:00")
    east_late = await staff(client, "East, late", EAST, start="09:30")
    await cv_kind(client, [east, west, east_late])
    # East is away for longer than the 31 days next_free looks ahead.
    r = await client.post(
        f"/v1/agents/{east}/calendar/events", json={"title": "Leave", "date": "2027-05-04", "end_date": "2027-06-30"}
    )
    assert r.status_code == 201, r.text

    r = await book(client, east, oslo(2027, 5, 5, 10), str(uuid.uuid4()), department_id=EAST)
    assert (r.status_code, r.json()["error_id"]) == (409, "slot_taken")
    assert r.json()["next_free"] == {
        "counsellor_id": east_late,
        "starts_at": z(oslo(2027, 5, 5, 10, 30)),
        "ends_at": z(oslo(2027, 5, 5, 11, 30)),
    }
    r = await book(client, east, oslo(2027, 5, 5, 10), str(uuid.uuid4()))  # no department: anyone allowed
    assert (r.status_code, r.json()["next_free"]["counsellor_id"]) == (409, west)
    assert r.json()["next_free"]["starts_at"] == z(oslo(2027, 5, 5, 10))

    # A rebooked meeting keeps the department its booking named.
    meeting = (await book(client, east_late, oslo(2027, 5, 5, 10, 30), str(uuid.uuid4()), department_id=EAST)).json()
    r = await client.post(
        f"/v1/meetings/{meeting['id']}/reschedule", json={"starts_at": oslo(2027, 5, 7, 9, 30).isoformat()}
    )
    assert r.status_code == 200, r.text
    assert (r.status_code, r.json()["department_id"], r.json()["starts_at"]) == (200, EAST, z(oslo(2027, 5, 7, 9, 30)))


async def test_a_members_meetings_are_listed_by_member(client: httpx.AsyncClient, clock: ManualClock) -> None:
    clock.set(oslo(2027, 5, 4, 12, 0))
    east, west = await staff(client, "East", EAST), await staff(client, "West", WEST)
    await cv_kind(client, [east, west])
    kari, ola = str(uuid.uuid4()), str(uuid.uuid4())
    for who, at, member in [
        (east, oslo(2027, 5, 10, 9), kari),
        (west, oslo(2027, 5, 5, 9), ola),
        (west, oslo(2027, 5, 5, 10), kari),
    ]:
        assert (await book(client, who, at, member)).status_code == 201
    cancelled = (await book(client, east, oslo(2027, 5, 11, 9), kari)).json()
    assert (await client.post(f"/v1/meetings/{cancelled['id']}/cancel")).status_code == 200

    listed = (await client.get("/v1/meetings", params={"member_id": kari})).json()
    assert [(m["starts_at"], m["status"]) for m in listed] == [
        (z(oslo(2027, 5, 5, 10)), "booked"),
        (z(oslo(2027, 5, 10, 9)), "booked"),
        (z(oslo(2027, 5, 11, 9)), "cancelled"),
    ]
    both = (await client.get("/v1/meetings", params={"member_id": kari, "counsellor_id": west})).json()
    assert [m["starts_at"] for m in both] == [z(oslo(2027, 5, 5, 10))]
    assert (await client.get("/v1/meetings", params={"member_id": str(uuid.uuid4())})).json() == []
    r = await client.get("/v1/meetings", params={"member_id": "kari"})
    assert (r.status_code, r.json()["field"]) == (422, "member_id")
