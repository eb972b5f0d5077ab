"""Agents' part of a member's access, erasure and retention (issue 17), on the real databases: the erasure
through the real consumer code, the export endpoint, the `bookings` retention window on a manual clock."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import col

from frontdoor_agents.models import ErasedMember, Meeting
from frontdoor_agents.testing import oslo
from frontdoor_common.auth import mint_token
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.privacy import ErasureRequested
from frontdoor_common.privacy.lifecycle import erasure_router, save_windows
from frontdoor_common.testing import auth, running_app

TENANT = "7e000000-0000-4000-8000-000000000001"
OTHER_TENANT = "7e000000-0000-4000-8000-000000000002"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
MEMBER = uuid.uuid4()
SOMEONE_ELSE = uuid.uuid4()
NOTE = "Ola Nordmann, 412 34 567: wants help with a CV after his sick leave"


@pytest.fixture
async def other(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same app for another tenant."""
    async with running_app(app) as c:
        c.headers.update(auth(mint_token(tenant_id=OTHER_TENANT, scopes="all")))
        yield c


async def counsellor(client: httpx.AsyncClient) -> str:
    """A counsellor working weekdays 08:00-16:00, holding 60-minute CV meetings bookable with no notice."""
    r = await client.post(
        "/v1/agents",
        json={"name": "Randi Rådgiver", "working_hours": [{"days": WEEKDAYS, "start": "08:00", "end": "16:00"}]},
    )
    assert r.status_code == 201, r.text
    who = str(r.json()["id"])
    body = {"name": "CV meeting", "minutes": 60, "book_ahead_days": 60, "min_notice_minutes": 0}
    r = await client.put("/v1/meeting-kinds/cv", json=body | {"counsellor_ids": [who]})
    assert r.status_code == 200, r.text
    return who


async def book(
    client: httpx.AsyncClient, who: str, at: datetime, member: uuid.UUID = MEMBER, note: str | None = NOTE
) -> dict[str, Any]:
    body = {"kind": "cv", "counsellor_id": who, "starts_at": at.isoformat(), "member_id": str(member), "note": note}
    r = await client.post("/v1/meetings", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def request(tenant: str = TENANT, member: uuid.UUID = MEMBER) -> Envelope:
    event = ErasureRequested(
        erasure_id=uuid.uuid4(), tenant_id=tenant, member_id=member, requested_at=datetime.now(UTC)
    )
    return Envelope.wrap(event, tenant=tenant, source="members")


async def erase(app: FastAPI, envelope: Envelope) -> dict[str, Any]:
    """Run the erasure request through the real consumer code; agents' report (its completed event)."""
    runtime = app.state.runtime
    router = erasure_router(runtime, runtime.spec.privacy, runtime.parts)
    async with runtime.db.transaction() as s:
        await router(s, envelope)
    reports = await outbox_events(app, "agents.erasure.completed")
    return dict(reports[-1]["data"])


async def outbox_events(app: FastAPI, kind: str) -> list[dict[str, Any]]:
    async with app.state.runtime.db.transaction() as s:
        rows = await s.execute(select(outbox.c.payload).where(outbox.c.type == kind).order_by(outbox.c.id))
        return [json.loads(p) for (p,) in rows]


async def rows(app: FastAPI) -> dict[str, Meeting]:
    async with app.state.runtime.db.transaction() as s:
        return {str(m.id): m for m in await s.scalars(select(Meeting))}


async def export_lines(app: FastAPI, member: uuid.UUID, tenant: str = TENANT) -> list[dict[str, Any]]:
    async with running_app(app) as c:
        r = await c.get(
            f"/internal/v1/personal-data/members/{member}",
            headers=auth(mint_token(tenant_id=tenant, scopes=["privacy:export"])),
        )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in r.text.splitlines() if line]


async def test_an_erasure_cancels_the_future_meeting_and_anonymises_the_rest_once(
    app: FastAPI, client: httpx.AsyncClient, other: httpx.AsyncClient, clock: ManualClock
) -> None:
    randi = await counsellor(client)
    assert (await client.put(f"/v1/agents/{randi}/presence", json={"presence": "available"})).status_code == 200
    past = await book(client, randi, oslo(2027, 1, 4, 10))
    missed = await book(client, randi, oslo(2027, 1, 5, 10))
    future = await book(client, randi, oslo(2027, 1, 8, 10))
    kept = await book(client, randi, oslo(2027, 1, 5, 11), member=SOMEONE_ELSE)
    theirs = await book(other, await counsellor(other), oslo(2027, 1, 8, 10))  # the same member id, elsewhere
    clock.set(oslo(2027, 1, 6, 12))
    assert (await client.post(f"/v1/meetings/{missed['id']}/no-show")).status_code == 200
    week = {"period": "week", "date": "2027-01-04"}
    workload = (await client.get("/v1/workload", params=week)).json()
    past_days = {"from": oslo(2027, 1, 4).isoformat(), "to": oslo(2027, 1, 6).isoformat()}
    calendar = (await client.get(f"/v1/agents/{randi}/availability", params=past_days)).json()
    friday = {"counsellor_id": randi, "from": oslo(2027, 1, 8).isoformat(), "to": oslo(2027, 1, 9).isoformat()}
    slots = (await client.get("/v1/meeting-kinds/cv/slots", params=friday)).json()
    assert oslo(2027, 1, 8, 10) not in [datetime.fromisoformat(s["starts_at"]) for s in slots]

    report = await erase(app, request())

    assert report["member_id"] == str(MEMBER) and report["service"] == "agents"
    assert report["report"]["done"] == {"meetings_cancelled": 1, "meetings_anonymised": 3}
    assert report["report"]["kept"]
    after = await rows(app)
    assert (after[future["id"]].status, after[future["id"]].member_id, after[future["id"]].note) == (
        "cancelled",
        None,
        None,
    )
    for m in (past, missed):
        assert (after[m["id"]].member_id, after[m["id"]].note) == (None, None)
        assert after[m["id"]].starts_at == datetime.fromisoformat(m["starts_at"])  # still in the calendar
    assert after[missed["id"]].status == "no_show"
    assert (after[kept["id"]].member_id, after[kept["id"]].note) == (SOMEONE_ELSE, NOTE)
    assert (after[theirs["id"]].member_id, after[theirs["id"]].note, after[theirs["id"]].status) == (
        MEMBER,
        NOTE,
        "booked",
    )
    # The cancellation went out as any cancellation does (the member's id: an opaque id, never the note).
    cancelled = await outbox_events(app, "agents.meeting.cancelled")
    assert [e["data"]["meeting_id"] for e in cancelled] == [future["id"]]
    async with app.state.runtime.db.transaction() as s:
        payloads = [p for (p,) in await s.execute(select(outbox.c.payload))]
    assert not [p for p in payloads if "Nordmann" in p]
    # No REST answer has the member any more; the figures and the past calendar are unchanged; the slot is free.
    r = await client.get("/v1/meetings", params={"member_id": str(MEMBER), "from": oslo(2027, 1, 1).isoformat()})
    assert r.json() == []
    listed = (await client.get("/v1/meetings", params={"from": oslo(2027, 1, 1).isoformat()})).json()
    assert NOTE not in json.dumps([m for m in listed if m["id"] != kept["id"]])
    assert str(MEMBER) not in json.dumps(listed)
    assert (await client.get("/v1/workload", params=week)).json() == workload
    assert (await client.get(f"/v1/agents/{randi}/availability", params=past_days)).json() == calendar
    slots = (await client.get("/v1/meeting-kinds/cv/slots", params=friday)).json()
    assert oslo(2027, 1, 8, 10) in [datetime.fromisoformat(s["starts_at"]) for s in slots]
    # An anonymised meeting no longer changes (its events would name no member).
    r = await client.post(f"/v1/meetings/{past['id']}/no-show")
    assert (r.status_code, r.json()["error_id"]) == (409, "meeting_anonymised")

    # Again (a new request for the same member): nothing left to do.
    again = await erase(app, request())
    assert again["report"]["done"] == {"meetings_cancelled": 0, "meetings_anonymised": 0}
    assert len(await outbox_events(app, "agents.meeting.cancelled")) == 1
    # A later booking for the erased member is refused; the other tenant still books them.
    body = {"kind": "cv", "counsellor_id": randi, "starts_at": oslo(2027, 1, 8, 13).isoformat()}
    r = await client.post("/v1/meetings", json=body | {"member_id": str(MEMBER)})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert (r.json()["error_id"], r.json()["field"]) == ("member_erased", "member_id")
    assert (await client.post("/v1/meetings", json=body | {"member_id": str(SOMEONE_ELSE)})).status_code == 201
    elsewhere = body | {"counsellor_id": theirs["counsellor_id"], "member_id": str(MEMBER)}
    assert (await other.post("/v1/meetings", json=elsewhere)).status_code == 201
    # The member is remembered by a keyed digest only, never by the id.
    async with app.state.runtime.db.transaction() as s:
        erased = list(await s.scalars(select(ErasedMember)))
    assert [e.tenant_id for e in erased] == [TENANT] and str(MEMBER) not in erased[0].subject


async def test_an_erasure_in_another_tenants_envelope_changes_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    randi = await counsellor(client)
    meeting = await book(client, randi, oslo(2027, 1, 8, 10))
    # The request names TENANT but arrives in another tenant's envelope: ignored.
    event = ErasureRequested(
        erasure_id=uuid.uuid4(), tenant_id=TENANT, member_id=MEMBER, requested_at=datetime.now(UTC)
    )
    runtime = app.state.runtime
    router = erasure_router(runtime, runtime.spec.privacy, runtime.parts)
    async with runtime.db.transaction() as s:
        await router(s, Envelope.wrap(event, tenant=OTHER_TENANT, source="members"))
    assert await outbox_events(app, "agents.erasure.completed") == []
    after = (await rows(app))[meeting["id"]]
    assert (after.member_id, after.note, after.status) == (MEMBER, NOTE, "booked")


async def test_the_export_has_every_meeting_of_the_member_and_nothing_for_another_tenant(
    app: FastAPI, client: httpx.AsyncClient, other: httpx.AsyncClient, clock: ManualClock
) -> None:
    randi = await counsellor(client)
    first = await book(client, randi, oslo(2027, 1, 4, 10))
    second = await book(client, randi, oslo(2027, 1, 5, 10), note=None)
    await book(client, randi, oslo(2027, 1, 5, 11), member=SOMEONE_ELSE)
    await book(other, await counsellor(other), oslo(2027, 1, 6, 10))  # the same member id in another tenant
    assert (await client.post(f"/v1/meetings/{second['id']}/cancel")).status_code == 200

    lines = await export_lines(app, MEMBER)
    assert [(x["service"], x["section"]) for x in lines] == [("agents", "meetings")] * 2
    items = [x["item"] for x in lines]
    assert [i["id"] for i in items] == [first["id"], second["id"]]
    assert (items[0]["note"], items[0]["member_id"], items[0]["status"]) == (NOTE, str(MEMBER), "booked")
    assert items[1]["status"] == "cancelled"
    assert {"kind", "counsellor_id", "starts_at", "ends_at", "department_id", "created_at"} <= set(items[0])
    # Another tenant's token sees its own meeting of that member id only; an unknown member has no lines.
    theirs = await export_lines(app, MEMBER, tenant=OTHER_TENANT)
    assert [x["item"]["tenant_id"] for x in theirs] == [OTHER_TENANT]
    assert await export_lines(app, uuid.uuid4()) == []
    # Without the scope: 403; not a member id: 422 naming it.
    async with running_app(app) as c:
        r = await c.get(
            f"/internal/v1/personal-data/members/{MEMBER}",
            headers=auth(mint_token(tenant_id=TENANT, scopes=["agents:read"])),
        )
        assert r.status_code == 403
        token = auth(mint_token(tenant_id=TENANT, scopes=["privacy:export"]))
        for bad in ("9" * 5000, "not-a-member", "%00", str(MEMBER) + "0"):
            r = await c.get(f"/internal/v1/personal-data/members/{bad}", headers=token)
            assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), bad
            assert "member_id" in r.text
    # After the erasure: nothing left to export.
    await erase(app, request())
    assert await export_lines(app, MEMBER) == []


async def test_the_export_streams_many_meetings_page_by_page(app: FastAPI, client: httpx.AsyncClient) -> None:
    from frontdoor_agents import privacy

    randi = await counsellor(client)
    start = oslo(2027, 1, 4, 8)
    async with app.state.runtime.db.transaction() as s:
        for n in range(privacy.EXPORT_PAGE * 2 + 7):  # more than two pages, some at the same start
            at = (start + timedelta(days=n // 8, hours=n % 8 // 2)).astimezone(UTC)
            s.add(
                Meeting(
                    tenant_id=TENANT,
                    kind="cv",
                    counsellor_id=uuid.UUID(randi),
                    member_id=MEMBER,
                    status="cancelled",
                    starts_at=at,
                    ends_at=at + timedelta(hours=1),
                    created_at=at,
                    updated_at=at,
                )
            )
    items = [x["item"] for x in await export_lines(app, MEMBER)]
    assert len(items) == privacy.EXPORT_PAGE * 2 + 7
    assert len({i["id"] for i in items}) == len(items)  # no meeting twice, none left out at a page's edge
    assert [(i["starts_at"], i["id"]) for i in items] == sorted((i["starts_at"], i["id"]) for i in items)


async def test_bookings_retention_anonymises_exactly_what_ended_before_the_cutoff(
    app: FastAPI, client: httpx.AsyncClient, other: httpx.AsyncClient, clock: ManualClock
) -> None:
    randi = await counsellor(client)
    meeting = await book(client, randi, oslo(2027, 1, 4, 10))
    later = await book(client, randi, oslo(2027, 1, 4, 11))
    theirs = await book(other, await counsellor(other), oslo(2027, 1, 4, 10))
    ended = oslo(2027, 1, 4, 11).astimezone(UTC)
    runtime = app.state.runtime
    async with runtime.db.transaction() as s:
        await save_windows(s, TENANT, {"bookings": 30, "call_records": 1}, clock.now())

    async def run(now: datetime) -> dict[str, Any]:
        clock.set(now)
        done = await runtime.retention.run_once(now)
        return {d["kind"]: (d["deleted"], d["anonymised"]) for d in done if d["tenant"] == TENANT}

    # The cutoff 1 s before the end, then at the end itself: the meeting has not ended before it.
    assert await run(ended + timedelta(days=30, seconds=-1)) == {"bookings": (0, 0)}
    assert await run(ended + timedelta(days=30)) == {"bookings": (0, 0)}
    assert (await rows(app))[meeting["id"]].member_id == MEMBER
    # The cutoff 1 s after its end: anonymised; the next meeting (ending an hour later) and the other tenant's stay.
    assert await run(ended + timedelta(days=30, seconds=1)) == {"bookings": (0, 1)}
    after = await rows(app)
    assert (after[meeting["id"]].member_id, after[meeting["id"]].note, after[meeting["id"]].status) == (
        None,
        None,
        "booked",
    )
    assert (after[later["id"]].member_id, after[later["id"]].note) == (MEMBER, NOTE)
    assert (after[theirs["id"]].member_id, after[theirs["id"]].note) == (MEMBER, NOTE)
    assert await run(ended + timedelta(days=30, seconds=2)) == {"bookings": (0, 0)}  # once
    applied = await outbox_events(app, "agents.retention.applied")
    assert [(e["data"]["kind"], e["data"]["anonymised"]) for e in applied] == [("bookings", n) for n in (0, 0, 1, 0)]


async def test_a_booking_racing_the_members_erasure_never_leaves_them_linked(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Bookings and erasures of the same members at once: each booking either came first (the erasure
    cancels and anonymises it) or is refused (422 `member_erased`); no meeting is left with the member."""
    randi = await counsellor(client)
    members = [uuid.uuid4() for _ in range(4)]
    runtime = app.state.runtime
    router = erasure_router(runtime, runtime.spec.privacy, runtime.parts)

    async def booking(member: uuid.UUID, hour: int) -> httpx.Response:
        body = {
            "kind": "cv",
            "counsellor_id": randi,
            "starts_at": oslo(2027, 1, 8, hour).isoformat(),
            "member_id": str(member),
            "note": NOTE,
        }
        return await client.post("/v1/meetings", json=body)

    async def erasing(member: uuid.UUID) -> None:
        async with runtime.db.transaction() as s:
            await router(s, request(member=member))

    results = await asyncio.gather(*[booking(m, 10 + n) for n, m in enumerate(members)], *[erasing(m) for m in members])
    booked = [r for r in results[: len(members)] if isinstance(r, httpx.Response) and r.status_code == 201]
    refused = [r for r in results[: len(members)] if isinstance(r, httpx.Response) and r.status_code == 422]
    assert len(booked) + len(refused) == len(members)
    assert all(r.json()["error_id"] == "member_erased" for r in refused)
    after = await rows(app)
    assert not [m for m in after.values() if m.member_id in members or m.note is not None]
    for r in booked:  # it came first: the erasure cancelled it
        assert after[r.json()["id"]].status == "cancelled"
    reports = await outbox_events(app, "agents.erasure.completed")
    assert sorted(r["data"]["report"]["done"]["meetings_cancelled"] for r in reports) == sorted(
        [1] * len(booked) + [0] * len(refused)
    )


async def test_a_reschedule_racing_the_erasure_leaves_the_meeting_cancelled_and_anonymised(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The erasure and a move of the member's meeting at once: the move comes first (then the erasure
    cancels the moved meeting) or is refused (409 `meeting_anonymised`); the slot is never left held."""
    randi = await counsellor(client)
    meetings = [await book(client, randi, oslo(2027, 1, 8, 8 + n)) for n in range(3)]
    runtime = app.state.runtime
    router = erasure_router(runtime, runtime.spec.privacy, runtime.parts)

    async def moving(meeting: dict[str, Any], n: int) -> httpx.Response:
        to = {"starts_at": oslo(2027, 1, 11, 8 + n).isoformat()}
        return await client.post(f"/v1/meetings/{meeting['id']}/reschedule", json=to)

    async def erasing() -> None:
        async with runtime.db.transaction() as s:
            await router(s, request())

    results = await asyncio.gather(*[moving(m, n) for n, m in enumerate(meetings)], erasing())
    moves = [r for r in results if isinstance(r, httpx.Response)]
    assert len(moves) == len(meetings)
    for r in moves:
        assert r.status_code in (200, 409), r.text
        if r.status_code == 409:
            assert r.json()["error_id"] == "meeting_anonymised"
    after = await rows(app)
    for m in meetings:
        row = after[m["id"]]
        assert (row.status, row.member_id, row.note, row.held_start) == ("cancelled", None, None, None)
    async with runtime.db.transaction() as s:
        assert list(await s.scalars(select(Meeting).where(col(Meeting.held_start).is_not(None)))) == []
