"""Time on an injected clock: quiet hours hold the SMS until morning; a day without answers expires.

The calls are handed to the service as its consumer would (the broker path is covered in test_survey_flow).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from frontdoor_common.testing import eventually
from frontdoor_surveys.testing import MOBILE_NO, SurveysHarness, resolved_call

TENANT = "33333333-3333-4333-8333-333333333333"
OSLO = ZoneInfo("Europe/Oslo")


async def test_a_call_ending_late_in_the_evening_gets_its_sms_in_the_morning(api: SurveysHarness) -> None:
    assert api.clock is not None
    api.clock.set(datetime(2026, 11, 17, 22, 40, tzinfo=OSLO))
    await api.finish_call(resolved_call(TENANT, at=api.now()))
    [survey] = await api.surveys(TENANT)
    assert survey["status"] == "scheduled"
    assert datetime.fromisoformat(survey["scheduled_for"]) == datetime(2026, 11, 18, 8, 0, tzinfo=OSLO)

    api.clock.set(datetime(2026, 11, 18, 7, 59, tzinfo=OSLO))
    api.context.sender.wake()
    await api.context.sender.send_due()
    assert api.sms() == []

    api.clock.set(datetime(2026, 11, 18, 8, 1, tzinfo=OSLO))
    await api.wait_for_sms(1, to=MOBILE_NO)
    [survey] = await api.surveys(TENANT)
    assert survey["status"] == "asking"
    assert datetime.fromisoformat(survey["sent_at"]) == datetime(2026, 11, 18, 8, 1, tzinfo=OSLO)
    [sent] = await api.events("surveys.survey.sent")
    assert sent.data["at"].startswith("2026-11-18T07:01")


async def test_a_survey_without_answers_for_a_day_expires_and_later_replies_change_nothing(
    api: SurveysHarness,
) -> None:
    await api.finish_call(resolved_call(TENANT, at=api.now()))
    await api.wait_for_sms(1, to=MOBILE_NO)
    await api.answer(MOBILE_NO, "2")
    assert api.clock is not None
    api.clock.advance(timedelta(hours=23))
    await api.context.sweeper.sweep()
    assert (await api.surveys(TENANT))[0]["status"] == "asking"

    api.clock.advance(timedelta(hours=2))
    await eventually(lambda: api.events("surveys.survey.expired"))
    [survey] = await api.surveys(TENANT)
    assert survey["status"] == "expired" and survey["answers"] == [2] and survey["closed_at"]

    late = await api.reply(MOBILE_NO, "5")
    assert late.status_code == 200 and late.json()["status"] == "ignored:survey_expired"
    [survey] = await api.surveys(TENANT)
    assert survey["answers"] == [2]
    report = (await api.client.get("/v1/satisfaction", headers=api.headers(TENANT))).json()
    assert report["total"]["index"] is None and report["total"]["response_rate"] == 1.0
    assert report["total"]["completion_rate"] == 0.0
