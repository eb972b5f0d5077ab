"""The members service's notices become SMS over the real broker: once per notice id, not before
their time, never once withdrawn, and not holding back the number's other messages."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from frontdoor_common.bus import topics
from frontdoor_common.events.members import NoticeKind, NoticeRequested, NoticeWithdrawn
from frontdoor_common.testing import eventually
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.testing import MOBILE_NO, SurveysHarness

TENANT = "5d1c9a4e-7b2f-4e8a-9c3d-2f1e0a9b8c7d"
OTHER = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


def requested(
    kind: NoticeKind = "meeting_booked",
    *,
    at: datetime,
    not_before: datetime | None = None,
    body: str = "Du har fått time til CV-samtale: 3.12.2026 kl. 10:00.",
    tenant: str = TENANT,
    notice_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
) -> NoticeRequested:
    """A notice as the members service requests it."""
    return NoticeRequested(
        notice_id=notice_id or uuid.uuid4(),
        tenant_id=tenant,
        member_id=member_id or uuid.uuid4(),
        kind=kind,
        to=MOBILE_NO,
        body=body,
        not_before=not_before or at,
        at=at,
    )


async def _send(service: SurveysHarness, event: NoticeRequested | NoticeWithdrawn, tenant: str = TENANT) -> None:
    await service.publish(event, tenant=tenant, topic=topics.MEMBERS)


async def _notices_handled(service: SurveysHarness, count: int) -> None:
    [runner] = [c for c in service.runtime.consumers if c.name == "notices"]
    await eventually(lambda: runner.handled + runner.duplicates >= count, timeout=30)


async def _notices(service: SurveysHarness, tenant: str = TENANT, **params: Any) -> list[dict[str, Any]]:
    r = await service.client.get("/v1/notices", params=params, headers=service.headers(tenant))
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_a_notice_is_sent_once_even_when_requested_again(service: SurveysHarness) -> None:
    now = service.now()
    notice = requested(at=now)
    await _send(service, notice)
    await _send(service, notice)  # members re-sent it (a new event id, the same notice)
    # another tenant's envelope naming this tenant's notice is ignored
    await _send(service, requested(at=now, tenant=TENANT), tenant=OTHER)
    await _notices_handled(service, 3)
    [sms] = await service.wait_for_sms(1, to=MOBILE_NO)
    assert sms["text"] == notice.body and sms["tenant_id"] == TENANT
    [item] = await _notices(service)
    assert item["notice_id"] == str(notice.notice_id) and item["status"] == "sent" and item["sent_at"]
    assert "to" not in item and "body" not in item  # the list shows no number and no text
    assert await _notices(service, OTHER) == []


async def test_a_reminder_waits_for_its_time_and_a_withdrawn_one_is_never_sent(service: SurveysHarness) -> None:
    clock = service.clock
    assert clock is not None
    now = service.now()
    evening = now + timedelta(days=1, hours=8)
    first = requested("meeting_reminder", at=now, not_before=evening, body="Påminnelse: første")
    second = requested("meeting_reminder", at=now, not_before=evening, body="Påminnelse: andre")
    confirmation = requested("meeting_rescheduled", at=now, body="Timen er flyttet")
    await _send(service, first)
    await _send(service, second)
    await _notices_handled(service, 2)
    clock.advance(timedelta(seconds=5))
    await _send(service, confirmation)  # queued after the reminders, to the same number
    await _notices_handled(service, 3)
    # the confirmation goes now: reminders due tomorrow do not hold back the number's messages
    [sent] = await service.wait_for_sms(1, to=MOBILE_NO)
    assert sent["text"] == "Timen er flyttet"
    await _send(
        service, NoticeWithdrawn(notice_id=first.notice_id, tenant_id=TENANT, member_id=first.member_id, at=now)
    )
    await _notices_handled(service, 4)
    statuses = {i["notice_id"]: i["status"] for i in await _notices(service)}
    assert statuses == {
        str(first.notice_id): "withdrawn",
        str(second.notice_id): "queued",
        str(confirmation.notice_id): "sent",
    }
    clock.advance(timedelta(days=1, hours=7, minutes=58))
    service.context.sender.wake()
    await service.sender_idle()
    assert len(service.sms(MOBILE_NO)) == 1  # a minute early: nothing
    clock.advance(timedelta(minutes=2))
    service.context.sender.wake()
    texts = [m["text"] for m in await service.wait_for_sms(2, to=MOBILE_NO)]
    assert texts == ["Timen er flyttet", "Påminnelse: andre"]
    async with service.runtime.db.transaction() as session:
        rows = (await session.execute(select(OutgoingSms).where(col(OutgoingSms.kind) == "notice"))).scalars().all()
    assert sorted(r.status for r in rows) == ["sent", "sent", "withdrawn"]
    # withdrawing a notice that has gone changes nothing
    await _send(
        service, NoticeWithdrawn(notice_id=second.notice_id, tenant_id=TENANT, member_id=second.member_id, at=now)
    )
    await _notices_handled(service, 5)
    assert {i["status"] for i in await _notices(service)} == {"sent", "withdrawn"}
    assert [i["status"] for i in await _notices(service) if i["notice_id"] == str(second.notice_id)] == ["sent"]


async def test_a_notice_withdrawn_before_it_arrives_is_never_sent(service: SurveysHarness) -> None:
    now = service.now()
    notice = requested("meeting_reminder", at=now)
    await _send(
        service, NoticeWithdrawn(notice_id=notice.notice_id, tenant_id=TENANT, member_id=notice.member_id, at=now)
    )
    await _send(service, notice)
    await _send(service, requested(at=now, body="later"))
    await _notices_handled(service, 3)
    await service.wait_for_sms(1, to=MOBILE_NO)
    assert [m["text"] for m in service.sms(MOBILE_NO)] == ["later"]


async def test_the_notices_list_is_bounded_and_takes_a_member(api: SurveysHarness) -> None:
    member = uuid.uuid4()
    r = await api.client.get("/v1/notices", params={"limit": 501}, headers=api.headers(TENANT))
    assert r.status_code == 422
    r = await api.client.get("/v1/notices", params={"member_id": str(member)}, headers=api.headers(TENANT))
    assert r.status_code == 200 and r.json()["items"] == []
    r = await api.client.get("/v1/notices")
    assert r.status_code == 401


async def test_a_notice_without_a_usable_number_or_text_queues_nothing(service: SurveysHarness) -> None:
    now = service.now()
    bad_number = requested(at=now).model_copy(update={"to": "48123456"})  # not E.164
    empty = requested(at=now, body="  ")
    too_long = requested(at=now, body="x" * 5000)
    for event in (bad_number, empty, too_long):
        await _send(service, event)
    await _notices_handled(service, 3)
    [sms] = await service.wait_for_sms(1, to=MOBILE_NO)
    assert len(sms["text"]) == 1600  # cut to ten SMS parts
    assert [i["notice_id"] for i in await _notices(service)] == [str(too_long.notice_id)]
    [runner] = [c for c in service.runtime.consumers if c.name == "notices"]
    assert runner.dead_lettered == 0
