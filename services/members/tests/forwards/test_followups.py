"""A member's deadline becomes a follow-up, escalated a few working days before it runs out: once,
with one event, even with two instances racing; done ones are never escalated. Time is moved by
hand (the manual clock), never slept."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from frontdoor_common.bus import topics
from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import eventually
from frontdoor_common.testing.bus import read_envelopes
from frontdoor_members.forwards.deadlines import escalate_at
from frontdoor_members.forwards.escalation import Escalator
from frontdoor_members.settings import Settings
from frontdoor_members.testing import context_of, create_member, headers

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # the members tests' clock: Wednesday


async def forwarded_with_deadline(client: httpx.AsyncClient, deadline: str, number: str = "2000013") -> dict[str, Any]:
    """A member of a department with email, and their enquiry forwarded with a deadline."""
    departments = (await client.get("/v1/departments", headers=headers())).json()
    if not departments:
        body = {"code": "OSL", "name": "Avdeling OSL", "email": "sak@oslo.union.example", "workplaces": ["Nordli"]}
        assert (await client.post("/v1/departments", json=body, headers=headers())).status_code == 201
    member = await create_member(client, member_number=number, national_id=None, workplace="Nordli", phones=[])
    body = {"reason": "trouble", "summary": "Unpaid wages since October.", "deadline": deadline}
    r = await client.post(f"/v1/members/{member['id']}/forwards", json=body, headers=headers())
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def followup(client: httpx.AsyncClient, followup_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (await client.get(f"/v1/followups/{followup_id}", headers=headers())).json()
    return result


def test_the_escalation_comes_two_working_days_before_the_deadline_at_eight_local() -> None:
    # Monday 30 November: Thursday 26th and Friday 27th are the two working days before it
    assert escalate_at(date(2026, 11, 30), lead_working_days=2, zone=OSLO, country="NO", now=NOW) == datetime(
        2026, 11, 26, 8, 0, tzinfo=OSLO
    )


def test_weekends_and_public_holidays_are_not_working_days() -> None:
    # Monday 28 December: Sunday, Saturday (Boxing Day) and Friday (Christmas Day) do not count
    got = escalate_at(date(2026, 12, 28), lead_working_days=2, zone=OSLO, country="NO", now=NOW)
    assert got == datetime(2026, 12, 23, 8, 0, tzinfo=OSLO)


def test_a_deadline_too_close_is_escalated_now_never_in_the_past() -> None:
    assert escalate_at(date(2026, 11, 26), lead_working_days=2, zone=OSLO, country="NO", now=NOW) == NOW
    assert escalate_at(date(2026, 11, 25), lead_working_days=0, zone=OSLO, country="NO", now=NOW) == NOW


def test_smtp_credentials_are_refused_without_tls() -> None:
    with pytest.raises(ValueError, match="starttls or tls"):
        Settings(smtp_host="relay.example", smtp_username="frontdoor", smtp_password="secret")
    with pytest.raises(ValueError, match="go together"):
        Settings(smtp_host="relay.example", smtp_security="tls", smtp_username="frontdoor")
    ok = Settings(smtp_host="relay.example", smtp_security="starttls", smtp_username="u", smtp_password="p")
    assert ok.smtp_security == "starttls"


async def test_a_deadline_is_escalated_once_when_its_time_passes(
    forwards_app: Callable[..., Any], smtp_server: Any, clock: ManualClock, kafka_bootstrap: str
) -> None:
    async with forwards_app(broker=True) as (client, app):
        created = await forwarded_with_deadline(client, "2026-11-30")
        followup_id = created["followup_id"]
        opened = await followup(client, followup_id)
        assert opened["status"] == "open" and opened["deadline"] == "2026-11-30"
        assert datetime.fromisoformat(opened["escalate_at"]) == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
        listed = (await client.get("/v1/followups?status=open", headers=headers())).json()
        assert [f["id"] for f in listed] == [followup_id]

        ctx = context_of(app)
        clock.set(datetime(2026, 11, 26, 6, 59, tzinfo=UTC))
        assert await ctx.escalator.escalate_due() == 0
        assert (await followup(client, followup_id))["status"] == "open"

        clock.set(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))

        async def escalated() -> dict[str, Any] | None:
            view = await followup(client, followup_id)
            return view if view["status"] == "escalated" else None

        view = await eventually(escalated)
        assert datetime.fromisoformat(view["escalated_at"]) == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
        # a restarted (or second) instance finds nothing left to escalate
        again = Escalator(db=ctx.db, clock=clock, notifier=ctx.forwards_notifier, interval_s=1)
        clock.advance(days=1)
        assert await again.escalate_due() == 0
        assert (await client.get("/v1/followups?status=open", headers=headers())).json() == []

        envelopes = await read_envelopes(kafka_bootstrap, ctx.settings.topic(topics.MEMBERS), want=5)
        recorded = [e for e in envelopes if e.type == "members.followup.recorded"]
        escalations = [e for e in envelopes if e.type == "members.followup.escalated"]
        assert [e.data["followup_id"] for e in recorded] == [followup_id]
        assert [e.data["followup_id"] for e in escalations] == [followup_id]
        assert escalations[0].data["status"] == "escalated" and escalations[0].data["deadline"] == "2026-11-30"
        assert escalations[0].subject == created["member_id"]


async def test_two_instances_racing_escalate_each_followup_once_with_one_event(
    forwards_app: Callable[..., Any], smtp_server: Any, clock: ManualClock
) -> None:
    async with forwards_app(followup_check_interval_s=3600.0) as (client, app):
        ctx = context_of(app)
        await ctx.escalator.stop()  # this test ticks the instances by hand
        ids = [
            (await forwarded_with_deadline(client, "2026-12-04", number=f"20000{n}3"))["followup_id"] for n in range(4)
        ]
        clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
        instances = [Escalator(db=ctx.db, clock=clock, notifier=ctx.forwards_notifier, interval_s=1) for _ in range(3)]
        counts = await asyncio.gather(*(i.escalate_due() for i in instances))
        assert sum(counts) == 4
        async with ctx.db.transaction() as session:
            events = (
                await session.execute(select(outbox.c.payload).where(outbox.c.type == "members.followup.escalated"))
            ).all()
        assert len(events) == 4
        assert {(await followup(client, i))["status"] for i in ids} == {"escalated"}


async def test_a_followup_marked_done_is_never_escalated(
    forwards_app: Callable[..., Any], smtp_server: Any, clock: ManualClock
) -> None:
    async with forwards_app() as (client, app):
        created = await forwarded_with_deadline(client, "2026-12-04")
        followup_id = created["followup_id"]
        r = await client.post(f"/v1/followups/{followup_id}/done", headers=headers(subject="agent-7"))
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["done_by"]) == ("done", "agent-7")
        again = await client.post(f"/v1/followups/{followup_id}/done", headers=headers())
        assert again.status_code == 200 and again.json()["done_by"] == "agent-7"  # done again changes nothing
        clock.advance(timedelta(days=30))
        assert await context_of(app).escalator.escalate_due() == 0
        assert (await followup(client, followup_id))["status"] == "done"
        assert [f["id"] for f in (await client.get("/v1/followups?status=done", headers=headers())).json()] == [
            followup_id
        ]
