"""The tenant's policy on real events: who gets no survey, once per N days, and STOP."""

from __future__ import annotations

import uuid
from datetime import timedelta

from frontdoor_surveys.testing import LANDLINE_NO, MOBILE_NL, MOBILE_NO, SurveysHarness, resolved_call

TENANT = "22222222-2222-4222-8222-222222222222"


async def test_transferred_unidentified_and_landline_calls_get_no_survey(service: SurveysHarness) -> None:
    now = service.now()
    await service.publish_call(resolved_call(TENANT, at=now, transferred=True, transfers=1))
    await service.publish_call(resolved_call(TENANT, at=now, member_id=None))
    await service.publish_call(resolved_call(TENANT, at=now, caller_number=LANDLINE_NO))
    await service.publish_call(resolved_call(TENANT, at=now, resolution="transferred"))
    await service.publish_call(resolved_call(TENANT, at=now, answered_at=None))
    await service.handled(5)

    skipped = await service.surveys(TENANT, status="skipped")
    assert sorted(s["skip_reason"] for s in skipped) == [
        "no_member",
        "not_answered",
        "not_mobile",
        "not_resolved",
        "transferred",
    ]
    assert all(s["phone_masked"] is None for s in skipped)
    assert await service.surveys(TENANT) == []
    assert service.sms() == [] and await service.events() == []


async def test_a_member_is_surveyed_at_most_once_in_thirty_days(service: SurveysHarness) -> None:
    member = uuid.uuid4()
    await service.publish_call(resolved_call(TENANT, at=service.now(), member_id=member))
    await service.handled(1)
    assert service.clock is not None
    service.clock.advance(timedelta(days=10))
    await service.publish_call(resolved_call(TENANT, at=service.now(), member_id=member, caller_number=MOBILE_NL))
    await service.handled(2)
    service.clock.advance(timedelta(days=21))
    await service.publish_call(resolved_call(TENANT, at=service.now(), member_id=member))
    await service.handled(3)

    [skipped] = await service.surveys(TENANT, status="skipped")
    assert skipped["skip_reason"] == "recently_surveyed"
    assert len(await service.surveys(TENANT)) == 2
    await service.wait_for_sms(2, to=MOBILE_NO)
    assert service.sms(MOBILE_NL) == []


async def test_stop_opts_the_member_out_of_this_and_every_later_survey(service: SurveysHarness) -> None:
    member = uuid.uuid4()
    await service.publish_call(resolved_call(TENANT, at=service.now(), member_id=member, language="da"))
    await service.wait_for_sms(1, to=MOBILE_NO)
    await service.answer(MOBILE_NO, "4")
    [result] = await service.answer(MOBILE_NO, "Afmeld")
    assert result["status"] == "opted_out"
    assert service.sms(MOBILE_NO)[-1]["text"] == "Du er nu frameldt og modtager ikke flere spørgeskemaer fra os."

    [survey] = await service.surveys(TENANT)
    assert survey["status"] == "opted_out" and survey["answers"] == [4]
    [event] = await service.events("surveys.survey.opted_out")
    assert event.data["survey"]["status"] == "opted_out"

    assert service.clock is not None
    service.clock.advance(timedelta(days=60))
    # the member again, and the number again under no member: both are opted out
    await service.publish_call(resolved_call(TENANT, at=service.now(), member_id=member, caller_number=MOBILE_NL))
    await service.publish_call(resolved_call(TENANT, at=service.now()))
    await service.handled(3)
    assert [s["skip_reason"] for s in await service.surveys(TENANT, status="skipped")] == ["opted_out", "opted_out"]
    assert len(service.sms(MOBILE_NO)) == 3 and service.sms(MOBILE_NL) == []
