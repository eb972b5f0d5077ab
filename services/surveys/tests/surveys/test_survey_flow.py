"""From routing's completed call on the broker to an SMS, replies through the webhook, and a counted index."""

from __future__ import annotations

import uuid

from frontdoor_common.events.callbacks import CallbackSnapshot
from frontdoor_surveys.testing import MOBILE_NO, SurveysHarness, resolved_call

TENANT = "11111111-1111-4111-8111-111111111111"


async def test_a_resolved_call_gets_four_questions_by_sms_and_the_answers_count_in_the_index(
    service: SurveysHarness,
) -> None:
    call = resolved_call(TENANT, at=service.now())
    await service.publish_call(call)
    [first] = await service.wait_for_sms(1, to=MOBILE_NO)
    assert "Spørsmål 1/4" in first["text"] and "STOPP" in first["text"]

    results = await service.answer(MOBILE_NO, "5", "4", "4", "3", "Rask og hyggelig hjelp")
    assert [r["status"] for r in results] == ["answered", "answered", "answered", "completed", "commented"]
    texts = [m["text"] for m in service.sms(MOBILE_NO)]
    assert [t.split(":")[0] for t in texts[1:4]] == ["Spørsmål 2/4", "Spørsmål 3/4", "Spørsmål 4/4"]
    assert texts[4].startswith("Takk for svarene") and texts[5] == "Takk for kommentaren din."

    [survey] = await service.surveys(TENANT)
    assert survey["status"] == "completed" and survey["answers"] == [5, 4, 4, 3]
    assert survey["score"] == 75.0 and survey["comment"] == "Rask og hyggelig hjelp"
    assert survey["call_id"] == str(call.call_id) and survey["phone_masked"] == "+47******67"

    report = (await service.client.get("/v1/satisfaction", headers=service.headers(TENANT))).json()
    assert report["target"] == 85.0 and report["period"] == "month"
    assert report["total"] == {
        "index": 75.0,
        "target": 85.0,
        "meets_target": False,
        "sent": 1,
        "responded": 1,
        "completed": 1,
        "response_rate": 1.0,
        "completion_rate": 1.0,
    }
    by_agent = (
        await service.client.get(
            "/v1/satisfaction", params={"group_by": "agent", "period": "day"}, headers=service.headers(TENANT)
        )
    ).json()
    assert by_agent["rows"][0]["agent_id"] == str(call.agent_id) and by_agent["rows"][0]["period"] == "2026-11-17"

    comments = (await service.client.get("/v1/surveys/comments", headers=service.headers(TENANT))).json()
    assert [c["comment"] for c in comments["items"]] == ["Rask og hyggelig hjelp"]

    types = [e.type for e in await service.events()]
    assert types == ["surveys.survey.sent"] + ["surveys.survey.answered"] * 4 + [
        "surveys.survey.completed",
        "surveys.survey.commented",
    ]
    [completed] = await service.events("surveys.survey.completed")
    assert completed.subject == survey["id"] and completed.data["survey"]["score"] == 75.0
    assert "phone" not in completed.data["survey"]


async def test_duplicate_events_and_duplicate_webhook_deliveries_are_counted_once(service: SurveysHarness) -> None:
    call = resolved_call(TENANT, at=service.now())
    first = await service.publish_call(call)
    await service.publish_call(call, envelope_id=first.id)  # redelivered: the inbox drops it
    await service.publish_call(call)  # re-published under a new event id: the call id drops it
    await service.handled(3)
    await service.wait_for_sms(1, to=MOBILE_NO)

    for _ in range(3):
        response = await service.reply(MOBILE_NO, "5", message_id="provider-msg-1")
        assert response.status_code == 200, response.text
    assert [(await service.reply(MOBILE_NO, "5", message_id="provider-msg-1")).json()["status"]] == ["duplicate"]
    await service.wait_for_sms(2, to=MOBILE_NO)

    [survey] = await service.surveys(TENANT)
    assert survey["answers"] == [5]
    assert len(await service.events("surveys.survey.answered")) == 1
    assert len(service.sms(MOBILE_NO)) == 2  # the first question and the second, nothing twice
    assert len(await service.surveys(TENANT, status="skipped")) == 0


async def test_a_callback_and_its_call_are_one_contact_and_one_survey(service: SurveysHarness) -> None:
    callback_id = uuid.uuid4()
    call = resolved_call(TENANT, at=service.now(), kind="callback", callback_id=callback_id)
    await service.publish_call(call)
    await service.handled(1)
    await service.publish_callback(
        CallbackSnapshot(
            callback_id=callback_id,
            tenant_id=TENANT,
            number=MOBILE_NO,
            member_id=call.member_id,
            source="queue",
            status="completed",
            requested_at=service.now(),
        )
    )
    await service.handled(2)
    await service.wait_for_sms(1, to=MOBILE_NO)
    [survey] = await service.surveys(TENANT)
    assert survey["source"] == "callback" and survey["callback_id"] == str(callback_id)
