"""A call completed before its caller was identified (routing.call.identified) still gets its survey."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from frontdoor_common.bus import topics
from frontdoor_common.events.routing import CallIdentified, CallSnapshot
from frontdoor_surveys.policy.rules import Contact
from frontdoor_surveys.surveys.contacts import ContactFinished
from frontdoor_surveys.surveys.models import ContactLink
from frontdoor_surveys.testing import MOBILE_NO, SurveysHarness, resolved_call

TENANT = "77777777-7777-4777-8777-777777777777"


def _identified(call: CallSnapshot, member_id: uuid.UUID, **changes: object) -> CallIdentified:
    return CallIdentified(call=call.model_copy(update={"member_id": member_id, **changes}))


async def _publish_identified(service: SurveysHarness, event: CallIdentified, envelope_id: str | None = None) -> None:
    await service.publish(event, tenant=event.call.tenant_id, topic=topics.ROUTING, envelope_id=envelope_id)


async def _links(service: SurveysHarness) -> list[ContactLink]:
    async with service.runtime.db.transaction() as session:
        return list((await session.execute(select(ContactLink))).scalars().all())


async def test_a_call_identified_after_it_completed_gets_its_survey_once(service: SurveysHarness) -> None:
    call = resolved_call(TENANT, at=service.now(), member_id=None)
    await service.publish_call(call)
    await service.handled(1)
    [skipped] = await service.surveys(TENANT, status="skipped")
    assert skipped["skip_reason"] == "no_member" and skipped["phone_masked"] is None
    assert service.sms() == []

    member = uuid.uuid4()
    event = _identified(call, member)
    await _publish_identified(service, event, envelope_id="identified-1")
    [first] = await service.wait_for_sms(1, to=MOBILE_NO)
    assert "Spørsmål 1/4" in first["text"]
    [survey] = await service.surveys(TENANT)
    assert survey["id"] == skipped["id"] and survey["status"] == "asking"
    assert survey["member_id"] == str(member) and survey["call_id"] == str(call.call_id)
    assert await service.surveys(TENANT, status="skipped") == []
    assert [link.contact for link in await _links(service)] == [None]  # the number is not kept any longer

    # The same event again (redelivered, or re-published under a new id): nothing more.
    await _publish_identified(service, event, envelope_id="identified-1")
    await _publish_identified(service, event)
    await service.handled(4)
    await service.sender_idle()
    assert len(service.sms(MOBILE_NO)) == 1
    assert len(await service.events("surveys.survey.sent")) == 1

    # The member answers as usual.
    [result] = await service.answer(MOBILE_NO, "5")
    assert result == {"status": "answered", "survey_id": survey["id"]}


async def test_an_identification_that_arrives_before_the_completion_is_used(service: SurveysHarness) -> None:
    call = resolved_call(TENANT, at=service.now(), member_id=None)
    member = uuid.uuid4()
    in_progress = _identified(call, member, state="answered", completed_at=None, resolution=None)
    await _publish_identified(service, in_progress)
    await service.handled(1)
    await service.publish_call(call)  # routing's completion still without the member
    await service.wait_for_sms(1, to=MOBILE_NO)
    [survey] = await service.surveys(TENANT)
    assert survey["member_id"] == str(member) and survey["status"] == "asking"


async def test_a_late_identification_applies_the_whole_policy(service: SurveysHarness) -> None:
    member = uuid.uuid4()
    # The member was surveyed a week ago.
    await service.finish_call(resolved_call(TENANT, at=service.now(), member_id=member))
    await service.wait_for_sms(1, to=MOBILE_NO)
    assert service.clock is not None
    service.clock.advance(timedelta(days=7))

    recent = resolved_call(TENANT, at=service.now(), member_id=None)
    transferred = resolved_call(TENANT, at=service.now(), member_id=None, transferred=True, transfers=1)
    for call in (recent, transferred):
        await service.publish_call(call)
        await _publish_identified(service, _identified(call, member))
    await service.handled(4)
    reasons = {s["call_id"]: s["skip_reason"] for s in await service.surveys(TENANT, status="skipped")}
    assert reasons == {str(recent.call_id): "recently_surveyed", str(transferred.call_id): "transferred"}
    assert len(service.sms(MOBILE_NO)) == 1


async def test_an_identification_after_the_window_changes_nothing_and_waiting_numbers_are_dropped(
    service: SurveysHarness,
) -> None:
    call = resolved_call(TENANT, at=service.now(), member_id=None)
    await service.publish_call(call)
    await service.handled(1)
    [link] = await _links(service)
    assert link.contact is not None and link.contact["contact"]["number"] == MOBILE_NO
    assert service.clock is not None
    service.clock.advance(timedelta(hours=25))
    await service.context.sweeper.sweep()
    assert await _links(service) == []  # the number waited long enough

    await _publish_identified(service, _identified(call, uuid.uuid4()))
    await service.handled(2)
    [skipped] = await service.surveys(TENANT, status="skipped")
    assert skipped["skip_reason"] == "no_member"
    assert service.sms() == []


async def test_a_callbacks_own_completion_with_the_member_counts_as_its_identification(api: SurveysHarness) -> None:
    callback_id = uuid.uuid4()
    member = uuid.uuid4()
    task_call = resolved_call(TENANT, at=api.now(), member_id=None, callback_id=callback_id, kind="callback")
    await api.finish_call(task_call)  # routing's completion of the callback's call: no member
    [skipped] = await api.surveys(TENANT, status="skipped")
    assert skipped["skip_reason"] == "no_member"
    async with api.runtime.db.transaction() as session:
        await api.context.surveys.consider_contact(
            session,
            ContactFinished(
                tenant_id=TENANT,
                source="callback",
                source_id=callback_id,
                callback_id=callback_id,
                completed_at=api.now(),
                contact=Contact(
                    source="callback",
                    number=MOBILE_NO,
                    member_id=member,
                    answered=True,
                    transferred=False,
                    resolution=None,
                ),
            ),
        )
    await api.wait_for_sms(1, to=MOBILE_NO)
    [survey] = await api.surveys(TENANT)
    assert survey["id"] == skipped["id"] and survey["member_id"] == str(member) and survey["status"] == "asking"
