"""A member's objection to surveys (art. 21, `members.member.objected`): their scheduled survey is
skipped before its SMS leaves, and no later contact of theirs is surveyed, whatever number they call
from; other members are surveyed as before."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.privacy import MemberObjected
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.notices import consumer as members_events
from frontdoor_surveys.testing import SurveysHarness, resolved_call

TENANT = "66666666-6666-4666-8666-666666666666"
OTHER = "77777777-7777-4777-8777-777777777777"


async def _object(api: SurveysHarness, member: uuid.UUID, tenant: str = TENANT, envelope_tenant: str = TENANT) -> None:
    router = members_events.build_router(api.context.notices)
    event = MemberObjected(tenant_id=tenant, member_id=member, to=["surveys"], at=api.now())
    async with api.runtime.db.transaction() as session:
        await router(session, Envelope.wrap(event, tenant=envelope_tenant, source="members"))


async def _pending_sms(api: SurveysHarness, survey_id: uuid.UUID) -> list[str]:
    async with api.runtime.db.transaction() as session:
        rows = await session.scalars(
            select(col(OutgoingSms.status)).where(col(OutgoingSms.survey_id) == survey_id)  # type: ignore[arg-type]
        )
        return [s for s in rows if s == "pending"]


async def test_an_objection_skips_the_scheduled_survey_and_every_later_one(api: SurveysHarness) -> None:
    member, other = uuid.uuid4(), uuid.uuid4()
    assert api.clock is not None
    api.clock.advance(timedelta(hours=13, minutes=30))  # 23:30 in Oslo: the survey waits for the morning
    waiting = await api.finish_call(resolved_call(TENANT, at=api.now(), member_id=member))
    [scheduled] = await api.surveys(TENANT, member_id=str(member))
    assert scheduled["status"] == "scheduled"

    await _object(api, member, envelope_tenant=OTHER)  # another tenant's envelope naming ours: nothing
    assert (await api.surveys(TENANT, member_id=str(member)))[0]["status"] == "scheduled"
    await _object(api, member)
    await _object(api, member)  # a redelivery changes nothing
    assert await api.surveys(TENANT, member_id=str(member)) == []  # the list shows surveys, not skipped contacts
    [skipped] = await api.surveys(TENANT, member_id=str(member), status="skipped")
    assert skipped["id"] == str(waiting) and skipped["skip_reason"] == "objected"
    assert await _pending_sms(api, waiting) == []

    api.clock.advance(timedelta(days=40))  # past the once-in-30-days rule: only the objection holds
    later = await api.finish_call(resolved_call(TENANT, at=api.now(), member_id=member, caller_number="+4799887766"))
    assert await api.surveys(TENANT, member_id=str(member)) == []
    skipped_too = {s["id"] for s in await api.surveys(TENANT, member_id=str(member), status="skipped")}
    assert str(later) in skipped_too
    assert await _pending_sms(api, later) == []
    control = await api.finish_call(resolved_call(TENANT, at=api.now(), member_id=other, caller_number="+4799887755"))
    theirs = {s["id"]: s for s in await api.surveys(TENANT, member_id=str(other))}
    assert theirs[str(control)]["status"] in ("scheduled", "asking")
