"""Meetings with counsellors (the agents service's events) in the dossier and told by SMS: the
confirmation at once, the reminder the day before at 18:00 in the tenant's time zone, withdrawn
when the meeting moves or is cancelled; a redelivered event does nothing twice."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from frontdoor_common.clock import ManualClock
from frontdoor_common.events.agents import (
    MeetingBooked,
    MeetingCancelled,
    MeetingEvent,
    MeetingNoShow,
    MeetingRescheduled,
)
from frontdoor_common.testing import eventually
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.notices.models import MemberNotice
from frontdoor_members.testing import OTHER_TENANT, TENANT, context_of, create_member, deliver, headers

from .conftest import notices

STARTS = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # 10:00 in Oslo; the clock stands at 25 November 12:00 UTC
MEETING = uuid.uuid4()
COUNSELLOR = uuid.uuid4()


def meeting(kind: type[MeetingEvent], member_id: str, starts_at: datetime = STARTS, **extra: Any) -> MeetingEvent:
    """An agents.meeting.* event of a 45-minute CV meeting."""
    return kind(
        meeting_id=extra.pop("meeting_id", MEETING),
        tenant_id=extra.pop("tenant_id", TENANT),
        kind="cv",
        counsellor_id=COUNSELLOR,
        member_id=uuid.UUID(member_id),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=45),
        status="cancelled" if kind is MeetingCancelled else "no_show" if kind is MeetingNoShow else "booked",
        at=extra.pop("at", datetime(2026, 11, 25, 12, 0, tzinfo=UTC)),
        **extra,
    )


async def _entries(client: Any, member_id: str) -> list[str]:
    log = (await client.get(f"/v1/members/{member_id}/log", headers=headers())).json()
    return [e["summary"] for e in reversed(log["entries"]) if e["kind"] == "meeting"]


async def test_booking_moving_and_cancelling_a_meeting_confirm_and_remind_the_member(
    members_app: Callable[..., Any],
) -> None:
    async with members_app() as (client, app):
        member = await create_member(client)  # mobile 481 23 456
        await deliver(app, meeting(MeetingBooked, member["id"]))
        told = await notices(app)
        assert [(t.rsplit(".", 1)[1], d["kind"]) for t, d in told] == [
            ("requested", "meeting_booked"),
            ("requested", "meeting_reminder"),
        ]
        confirmation, reminder = (d for _, d in told)
        assert confirmation["to"] == "+4748123456"
        assert confirmation["body"] == "Du har fått time til CV-samtale: 3.12.2026 kl. 10:00."
        assert confirmation["not_before"] == confirmation["at"]
        assert reminder["body"] == "Påminnelse: du har time til CV-samtale i morgen, 3.12.2026 kl. 10:00."
        assert datetime.fromisoformat(reminder["not_before"]) == datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 18:00

        moved = STARTS + timedelta(days=1, hours=4)  # 4 December, 14:00 in Oslo
        await deliver(
            app,
            meeting(
                MeetingRescheduled,
                member["id"],
                moved,
                previous_starts_at=STARTS,
                previous_ends_at=STARTS,
                at=datetime(2026, 11, 25, 12, 1, tzinfo=UTC),
            ),
        )
        told = (await notices(app))[2:]
        assert [(t.rsplit(".", 1)[1], d["kind"] if "kind" in d else d["notice_id"]) for t, d in told] == [
            ("withdrawn", reminder["notice_id"]),
            ("requested", "meeting_rescheduled"),
            ("requested", "meeting_reminder"),
        ]
        assert told[1][1]["body"] == "Timen din til CV-samtale er flyttet til 4.12.2026 kl. 14:00."
        second = told[2][1]
        assert datetime.fromisoformat(second["not_before"]) == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)

        await deliver(app, meeting(MeetingCancelled, member["id"], moved, at=datetime(2026, 11, 25, 12, 2, tzinfo=UTC)))
        told = (await notices(app))[5:]
        assert [(t.rsplit(".", 1)[1], d.get("kind", d["notice_id"])) for t, d in told] == [
            ("withdrawn", second["notice_id"]),
            ("requested", "meeting_cancelled"),
        ]
        assert told[1][1]["body"] == "Timen din til CV-samtale 4.12.2026 kl. 14:00 er avlyst."
        assert await _entries(client, member["id"]) == [
            "Meeting (cv) booked: 2026-12-03 10:00-10:45. Confirmation sent by SMS. Reminder by SMS 2026-12-02 18:00.",
            "Meeting (cv) moved: 2026-12-04 14:00-14:45. It was 2026-12-03 10:00. Confirmation sent by SMS. "
            "Reminder by SMS 2026-12-03 18:00.",
            "Meeting (cv) cancelled: 2026-12-04 14:00-14:45. Confirmation sent by SMS.",
        ]
        async with context_of(app).db.transaction() as session:
            rows = (await session.execute(select(MemberNotice.kind, MemberNotice.status))).all()
        assert sorted(rows) == sorted(
            [
                ("meeting_booked", "requested"),
                ("meeting_reminder", "withdrawn"),
                ("meeting_rescheduled", "requested"),
                ("meeting_reminder", "withdrawn"),
                ("meeting_cancelled", "requested"),
            ]
        )


async def test_a_meeting_booked_after_the_evening_before_gets_no_reminder(
    members_app: Callable[..., Any], clock: ManualClock
) -> None:
    async with members_app() as (client, app):
        member = await create_member(client)
        clock.advance(timedelta(hours=5, minutes=1))  # 25 November 18:01 in Oslo
        await deliver(app, meeting(MeetingBooked, member["id"], datetime(2026, 11, 26, 8, 0, tzinfo=UTC)))
        assert [d["kind"] for _, d in await notices(app)] == ["meeting_booked"]
        [entry] = await _entries(client, member["id"])
        assert entry == "Meeting (cv) booked: 2026-11-26 09:00-09:45. Confirmation sent by SMS."


async def test_no_mobile_no_sms_and_a_no_show_or_a_stranger_tells_nobody(members_app: Callable[..., Any]) -> None:
    async with members_app() as (client, app):
        landline = await create_member(client, phones=[{"number": "22 12 34 56", "kind": "home"}])
        stranger = await create_member(client, tenant=OTHER_TENANT)
        await deliver(app, meeting(MeetingBooked, landline["id"]))
        await deliver(app, meeting(MeetingNoShow, landline["id"], at=datetime(2026, 12, 3, 10, 0, tzinfo=UTC)))
        # another tenant's member, and an event whose tenant is not the envelope's
        await deliver(app, meeting(MeetingBooked, stranger["id"], meeting_id=uuid.uuid4()))
        await deliver(app, meeting(MeetingBooked, landline["id"], meeting_id=uuid.uuid4(), tenant_id=OTHER_TENANT))
        assert await notices(app) == []
        assert await _entries(client, landline["id"]) == [
            "Meeting (cv) booked: 2026-12-03 10:00-10:45. No SMS: the member has no mobile number.",
            "Meeting (cv) missed (no-show): 2026-12-03 10:00-10:45.",
        ]
        log = (await client.get(f"/v1/members/{stranger['id']}/log", headers=headers(OTHER_TENANT))).json()
        assert [e for e in log["entries"] if e["kind"] == "meeting"] == []


async def test_a_redelivered_booking_over_the_broker_tells_the_member_once(members_app: Callable[..., Any]) -> None:
    async with members_app(broker=True) as (client, app):
        runtime = app.state.runtime
        member = await create_member(client)
        # the agents service's event, through a real outbox and relay onto the real broker
        async with runtime.db.transaction() as s:
            await runtime.outbox.add(s, meeting(MeetingBooked, member["id"]), tenant=TENANT)
        [consumer] = [c for c in runtime.consumers if c.name == "dossier"]
        await eventually(lambda: consumer.handled >= 1, timeout=30)
        await runtime.relay.republish()  # the broker delivers it again
        await eventually(lambda: consumer.duplicates >= 1, timeout=30)
        async with runtime.db.transaction() as s:
            sent = await s.scalar(select(func.count()).select_from(MemberNotice))
            entries = await s.scalar(
                select(func.count()).select_from(DossierEntry).where(DossierEntry.kind == "meeting")
            )
        assert (sent, entries) == (2, 1)
        assert len([t for t, _ in await notices(app) if t == "members.notice.requested"]) == 2
