"""Reason trends: every contact once (a call and its note are one), members or not, on its local date."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdoor_common.clock import ManualClock
from frontdoor_common.events.agents import TenantSettingsChanged
from frontdoor_common.events.routing import CallCompleted
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings
from frontdoor_members.testing import TENANT, call_snapshot, create_member, deliver, headers, open_contact

# Sunday 22 November 2026, 23:30 UTC: already Monday 23 November in Oslo (ISO week 48), still
# Sunday in UTC and in New York (ISO week 47)
LATE_SUNDAY = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> FastAPI:
    """The app on the test's manual clock: local days and ISO weeks do not depend on when the suite runs."""
    return create_app(settings, clock=clock)


async def _trends(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    r = await client.get("/v1/trends/reasons", params={"weeks": 2, "until": "2026-11-23", **params}, headers=headers())
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _counts(body: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {(w, reason): n for reason, weeks in body["totals"].items() for w, n in weeks.items() if n}


@pytest.mark.parametrize("note_first", [False, True])
@pytest.mark.parametrize("linked_by", ["call_id", "contact_id"])
async def test_a_call_and_the_note_written_about_it_count_once(
    app: FastAPI, client: httpx.AsyncClient, note_first: bool, linked_by: str
) -> None:
    member = await create_member(client)
    call = call_snapshot(member["id"], arrived_at=LATE_SUNDAY - timedelta(hours=2), reason="dues_invoice")
    contact = await open_contact(client, call_id=str(call.call_id))
    link = {"call_id": str(call.call_id)} if linked_by == "call_id" else {"contact_id": contact["id"]}
    note = {"reason": "dues_invoice", "summary": "Asked about the invoice.", **link}
    if not note_first:
        await deliver(app, CallCompleted(call=call))
    r = await client.post(f"/v1/members/{member['id']}/log", json=note, headers=headers())
    assert r.status_code == 201, r.text
    if note_first:
        await deliver(app, CallCompleted(call=call))
    await deliver(app, CallCompleted(call=call))  # re-sent under a new event id
    assert _counts(await _trends(client)) == {("2026-W47", "dues_invoice"): 1}


async def test_a_call_from_someone_who_is_not_a_member_counts(app: FastAPI, client: httpx.AsyncClient) -> None:
    press = call_snapshot(None, arrived_at=LATE_SUNDAY - timedelta(hours=3), reason="media", caller_number=None)
    await deliver(app, CallCompleted(call=press))
    body = await _trends(client)
    assert _counts(body) == {("2026-W47", "media"): 1}
    assert [(r["reason"], r["department_id"]) for r in body["rows"]] == [("media", None)]


async def test_a_contact_counts_on_its_own_date_in_the_tenants_time_zone(
    app: FastAPI, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    await deliver(app, CallCompleted(call=call_snapshot(None, arrived_at=LATE_SUNDAY, reason="trouble")))
    # no time zone from the agents service yet: Europe/Oslo, where it is Monday already
    assert _counts(await _trends(client)) == {("2026-W48", "trouble"): 1}

    at = clock.now()
    await deliver(app, TenantSettingsChanged(tenant_id=TENANT, timezone="America/New_York", country="NO", at=at))
    assert _counts(await _trends(client)) == {("2026-W47", "trouble"): 1}
    # an older event arriving late, and a zone nobody knows, change nothing
    older = TenantSettingsChanged(tenant_id=TENANT, timezone="Europe/Oslo", at=at - timedelta(minutes=1))
    await deliver(app, older)
    await deliver(app, TenantSettingsChanged(tenant_id=TENANT, timezone="Mars/Olympus", at=at + timedelta(minutes=1)))
    assert _counts(await _trends(client)) == {("2026-W47", "trouble"): 1}


async def test_a_call_without_a_reason_or_with_one_not_in_the_tenants_list_counts_for_no_reason(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, CallCompleted(call=call_snapshot(None, arrived_at=LATE_SUNDAY, reason=None)))
    await deliver(app, CallCompleted(call=call_snapshot(None, arrived_at=LATE_SUNDAY, reason="weather")))
    assert _counts(await _trends(client)) == {}


async def test_a_note_without_a_call_is_a_contact_of_its_own(
    app: FastAPI, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    member = await create_member(client)
    arrived = clock.now() - timedelta(minutes=6)
    call = call_snapshot(member["id"], call_id=uuid.uuid4(), reason="insurance", arrived_at=arrived)
    await deliver(app, CallCompleted(call=call))
    r = await client.post(
        f"/v1/members/{member['id']}/log",
        json={"reason": "courses", "summary": "Email about a course."},
        headers=headers(),
    )
    assert r.status_code == 201
    today = clock.now().date().isoformat()
    body = (await client.get("/v1/trends/reasons", params={"weeks": 1, "until": today}, headers=headers())).json()
    assert {reason: sum(weeks.values()) for reason, weeks in body["totals"].items()} == {"insurance": 1, "courses": 1}


async def test_notes_on_one_contact_session_without_a_call_count_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    email = await client.post("/v1/contacts", json={"channel": "email"}, headers=headers())
    log = f"/v1/members/{member['id']}/log"
    for summary in ["Asked about the course.", "Sent the course dates."]:
        note = {"reason": "courses", "summary": summary, "channel": "email", "contact_id": email.json()["id"]}
        assert (await client.post(log, json=note, headers=headers())).status_code == 201
    other = {"reason": "courses", "summary": "Another member's question, on no contact."}
    assert (await client.post(log, json=other, headers=headers())).status_code == 201
    body = (await client.get("/v1/trends/reasons", params={"weeks": 1}, headers=headers())).json()
    assert sum(body["totals"]["courses"].values()) == 2


async def test_reason_trends_count_per_iso_week_and_department_and_show_the_fastest_rising(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    dept = (await client.post("/v1/departments", json={"code": "1", "name": "Oslo"}, headers=headers())).json()
    member = await create_member(client, department_id=dept["id"])
    today = clock.now().date()
    for reason in ["dues_invoice", "trouble", "trouble", "trouble"]:
        r = await client.post(
            f"/v1/members/{member['id']}/log", json={"reason": reason, "summary": "s"}, headers=headers()
        )
        assert r.status_code == 201
    trends = await client.get("/v1/trends/reasons", params={"weeks": 4, "until": today.isoformat()}, headers=headers())
    assert trends.status_code == 200, trends.text
    body = trends.json()
    year, week, _ = today.isocalendar()
    this_week = f"{year}-W{week:02d}"
    assert body["weeks"][-1] == this_week and len(body["weeks"]) == 4
    assert {(r["reason"], r["count"], r["department_id"]) for r in body["rows"]} == {
        ("dues_invoice", 1, dept["id"]),
        ("trouble", 3, dept["id"]),
    }
    assert body["totals"]["trouble"][this_week] == 3
    assert [r["reason"] for r in body["rising"]] == ["trouble", "dues_invoice"]
    bad = await client.get("/v1/trends/reasons", params={"weeks": 0}, headers=headers())
    assert bad.status_code == 422 and bad.json()["field"] == "weeks"
