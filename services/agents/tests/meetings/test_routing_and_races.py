"""A booked meeting routes calls away from the counsellor (on the broker), its events leave through the
outbox, and two agents booking at once get exactly one meeting."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from frontdoor_agents.testing import TopicWatcher, oslo
from frontdoor_common.auth import mint_token
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import auth, running_app

TENANT = "7e000000-0000-4000-8000-000000000001"
AVAILABILITY = "agents.agent.availability_changed"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def z(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def counsellor(client: httpx.AsyncClient, name: str = "Randi Rådgiver") -> str:
    r = await client.post(
        "/v1/agents", json={"name": name, "working_hours": [{"days": WEEKDAYS, "start": "08:00", "end": "16:00"}]}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def kind(client: httpx.AsyncClient, code: str, minutes: int, counsellors: list[str]) -> None:
    r = await client.put(
        f"/v1/meeting-kinds/{code}",
        json={
            "name": code,
            "minutes": minutes,
            "book_ahead_days": 30,
            "min_notice_minutes": 0,
            "counsellor_ids": counsellors,
        },
    )
    assert r.status_code == 200, r.text


async def book(client: httpx.AsyncClient, code: str, who: str, at: datetime) -> httpx.Response:
    body = {"kind": code, "counsellor_id": who, "starts_at": at.isoformat(), "member_id": str(uuid.uuid4())}
    return await client.post("/v1/meetings", json=body)


@pytest.fixture
async def second(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A second agent's client of the same app (same tenant): its own connection, its own requests."""
    async with running_app(app) as c:
        c.headers.update(auth(mint_token(tenant_id=TENANT, scopes="all")))
        yield c


async def test_a_booked_meeting_makes_the_counsellor_unavailable_for_calls_during_it(
    client: httpx.AsyncClient, clock: ManualClock, watcher: TopicWatcher
) -> None:
    randi = await counsellor(client)
    assert (await client.put(f"/v1/agents/{randi}/presence", json={"presence": "available"})).status_code == 200
    await kind(client, "cv", 60, [randi])
    r = await book(client, "cv", randi, oslo(2027, 1, 4, 10))  # the clock: Monday 4 January 2027, 09:00
    assert r.status_code == 201, r.text

    availability = (
        await client.get(
            f"/v1/agents/{randi}/availability",
            params={"from": oslo(2027, 1, 4, 8).isoformat(), "to": oslo(2027, 1, 4, 16).isoformat()},
        )
    ).json()
    spans = [(i["start"], i["end"], i["available"], i["reason"]) for i in availability["intervals"]]
    assert spans == [
        (z(oslo(2027, 1, 4, 8)), z(oslo(2027, 1, 4, 10)), True, None),
        (z(oslo(2027, 1, 4, 10)), z(oslo(2027, 1, 4, 11)), False, "meeting"),
        (z(oslo(2027, 1, 4, 11)), z(oslo(2027, 1, 4, 16)), True, None),
    ]

    def changes() -> list[tuple[bool, str, str | None]]:
        out = []
        for s in watcher.of_type(AVAILABILITY, randi):
            cur = s.envelope.data["current"]
            out.append((cur["available"], s.envelope.data["at"], cur["blocked_reason"]))
        return out

    clock.set(oslo(2027, 1, 4, 10, 0))
    await watcher.wait_for(lambda: any(not c[0] for c in changes()))
    assert [c for c in changes() if not c[0]] == [(False, z(oslo(2027, 1, 4, 10)), "meeting")]
    blocked = next(s for s in watcher.of_type(AVAILABILITY, randi) if not s.envelope.data["current"]["available"])
    assert blocked.envelope.data["current"]["blocked_until"] == z(oslo(2027, 1, 4, 11))
    clock.set(oslo(2027, 1, 4, 11, 0))
    await watcher.wait_for(lambda: changes()[-1][0] is True and changes()[-1][1] == z(oslo(2027, 1, 4, 11)))


async def test_a_cancelled_meeting_no_longer_routes_calls_away(
    client: httpx.AsyncClient, clock: ManualClock, watcher: TopicWatcher
) -> None:
    randi = await counsellor(client)
    await client.put(f"/v1/agents/{randi}/presence", json={"presence": "available"})
    await kind(client, "cv", 60, [randi])
    meeting = (await book(client, "cv", randi, oslo(2027, 1, 4, 10))).json()["id"]
    assert (await client.post(f"/v1/meetings/{meeting}/cancel")).status_code == 200
    clock.set(oslo(2027, 1, 4, 10, 30))
    await watcher.settle()
    assert [s for s in watcher.of_type(AVAILABILITY, randi) if not s.envelope.data["current"]["available"]] == []


async def test_booking_rescheduling_cancelling_and_no_shows_are_published(
    client: httpx.AsyncClient, clock: ManualClock, watcher: TopicWatcher
) -> None:
    randi = await counsellor(client)
    await kind(client, "cv", 60, [randi])
    first = (await book(client, "cv", randi, oslo(2027, 1, 4, 10))).json()
    moved = await client.post(
        f"/v1/meetings/{first['id']}/reschedule", json={"starts_at": oslo(2027, 1, 4, 13).isoformat()}
    )
    assert moved.status_code == 200, moved.text
    assert (await client.post(f"/v1/meetings/{first['id']}/cancel")).status_code == 200
    second = (await book(client, "cv", randi, oslo(2027, 1, 4, 11))).json()
    clock.set(oslo(2027, 1, 4, 11, 15))
    assert (await client.post(f"/v1/meetings/{second['id']}/no-show")).status_code == 200

    names = [
        "agents.meeting.booked",
        "agents.meeting.rescheduled",
        "agents.meeting.cancelled",
        "agents.meeting.no_show",
    ]
    await watcher.wait_for(lambda: all(watcher.of_type(n) for n in names))
    booked = [s.envelope for s in watcher.of_type("agents.meeting.booked")]
    assert [(e.subject, e.data["starts_at"]) for e in booked] == [
        (first["id"], z(oslo(2027, 1, 4, 10))),
        (second["id"], z(oslo(2027, 1, 4, 11))),
    ]
    assert booked[0].tenant == TENANT and booked[0].data["member_id"] == first["member_id"]
    assert booked[0].data["counsellor_id"] == randi and booked[0].data["ends_at"] == z(oslo(2027, 1, 4, 11))
    rescheduled = watcher.of_type("agents.meeting.rescheduled")[0].envelope.data
    assert (rescheduled["previous_starts_at"], rescheduled["starts_at"]) == (
        z(oslo(2027, 1, 4, 10)),
        z(oslo(2027, 1, 4, 13)),
    )
    assert watcher.of_type("agents.meeting.cancelled")[0].envelope.data["status"] == "cancelled"
    assert watcher.of_type("agents.meeting.no_show")[0].envelope.subject == second["id"]


async def test_two_agents_booking_the_same_slot_at_once_get_exactly_one_meeting(
    client: httpx.AsyncClient, second: httpx.AsyncClient
) -> None:
    randi, ola = await counsellor(client), await counsellor(client, "Ola")
    await kind(client, "cv", 60, [randi, ola])
    for hour in (10, 12, 14):
        at = oslo(2027, 1, 5, hour)
        results = await asyncio.gather(book(client, "cv", randi, at), book(second, "cv", randi, at))
        assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
        lost = next(r for r in results if r.status_code == 409).json()
        assert lost["error_id"] == "slot_taken"
        assert lost["next_free"] == {
            "counsellor_id": randi,
            "starts_at": z(oslo(2027, 1, 5, hour + 1)),
            "ends_at": z(oslo(2027, 1, 5, hour + 2)),
        }
    listed = (await client.get("/v1/meetings", params={"counsellor_id": randi})).json()
    assert [m["starts_at"] for m in listed] == [z(oslo(2027, 1, 5, h)) for h in (10, 12, 14)]


async def test_two_overlapping_bookings_of_different_lengths_at_once_get_exactly_one_meeting(
    client: httpx.AsyncClient, second: httpx.AsyncClient
) -> None:
    # Different starts, so the unique slot cannot decide: the lock on the counsellor and the overlap check do.
    randi = await counsellor(client)
    await kind(client, "cv", 120, [randi])
    await kind(client, "short", 60, [randi])
    for day in (5, 6, 7):
        results = await asyncio.gather(
            book(client, "cv", randi, oslo(2027, 1, day, 8)), book(second, "short", randi, oslo(2027, 1, day, 9))
        )
        assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
    assert len((await client.get("/v1/meetings", params={"counsellor_id": randi})).json()) == 3


async def test_when_the_counsellor_is_full_next_free_names_another_allowed_counsellor(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.set(oslo(2027, 1, 8, 14, 0))  # a Friday
    randi, ola = await counsellor(client), await counsellor(client, "Ola")
    r = await client.put(
        "/v1/meeting-kinds/cv",
        json={
            "name": "CV",
            "minutes": 60,
            "book_ahead_days": 1,
            "min_notice_minutes": 0,
            "counsellor_ids": [randi, ola],
        },
    )
    assert r.status_code == 200
    for at in (oslo(2027, 1, 8, 14), oslo(2027, 1, 8, 15)):
        assert (await book(client, "cv", randi, at)).status_code == 201
    # Randi's next working day is past the one day ahead the kind allows; Ola is free then (at or after the time asked).
    r = await book(client, "cv", randi, oslo(2027, 1, 8, 15))
    assert r.status_code == 409 and r.json()["next_free"]["counsellor_id"] == ola
    assert r.json()["next_free"]["starts_at"] == z(oslo(2027, 1, 8, 15))


async def test_the_same_new_meeting_kind_put_twice_at_once_is_stored_once_and_never_fails(
    client: httpx.AsyncClient, second: httpx.AsyncClient
) -> None:
    randi = await counsellor(client)
    for n in range(3):
        body = {"name": "CV", "minutes": 60, "book_ahead_days": 30, "min_notice_minutes": 0, "counsellor_ids": [randi]}
        results = await asyncio.gather(
            client.put(f"/v1/meeting-kinds/cv-{n}", json=body), second.put(f"/v1/meeting-kinds/cv-{n}", json=body)
        )
        statuses = sorted(r.status_code for r in results)
        assert statuses in ([200, 200], [200, 409]), [r.text for r in results]
    assert [k["code"] for k in (await client.get("/v1/meeting-kinds")).json()] == ["cv-0", "cv-1", "cv-2"]
