"""POST /v1/sms/inbound: signatures, unknown numbers, bad digits, bad input; delivery receipts."""

from __future__ import annotations

import asyncio
import json

from frontdoor_surveys.gateway.signature import signed_headers
from frontdoor_surveys.testing import MOBILE_NL, MOBILE_NO, SurveysHarness, resolved_call

TENANT = "44444444-4444-4444-8444-444444444444"


async def test_an_unsigned_or_badly_signed_webhook_is_refused_with_401(api: SurveysHarness) -> None:
    body = json.dumps({"from": MOBILE_NO, "text": "5", "message_id": "m1"}).encode()
    unsigned = await api.client.post("/v1/sms/inbound", content=body, headers={"content-type": "application/json"})
    assert unsigned.status_code == 401
    assert unsigned.headers["content-type"] == "application/problem+json"
    assert unsigned.json()["error_id"] == "signature_missing"

    forged = await api.reply(MOBILE_NO, "5", secret="not-the-providers-secret")
    assert forged.status_code == 401 and forged.json()["error_id"] == "signature_invalid"

    stale = signed_headers(api.settings.sms_webhook_secret, body, timestamp=1_000_000_000)
    assert (await api.client.post("/v1/sms/inbound", content=body, headers=stale)).status_code == 401

    tampered = api.signed(body)
    other = body.replace(b'"5"', b'"1"')
    assert (await api.client.post("/v1/sms/inbound", content=other, headers=tampered)).status_code == 401

    # The file gateway (embedded default) also takes replies posted by hand with a developer token.
    by_hand = {"from": MOBILE_NO, "text": "5", "message_id": "by-hand-1"}
    writer = api.headers(TENANT, scopes="surveys:write")
    assert (await api.client.post("/v1/sms/inbound", json=by_hand, headers=writer)).status_code == 200
    reader = api.headers(TENANT)
    assert (await api.client.post("/v1/sms/inbound", json=by_hand, headers=reader)).status_code == 401


async def test_unknown_numbers_and_malformed_bodies_are_handled_without_a_500(api: SurveysHarness) -> None:
    response = await api.reply(MOBILE_NL, "5")
    assert response.status_code == 200 and response.json() == {"status": "unmatched", "survey_id": None}
    assert api.sms() == [] and await api.events() == []

    secret = api.settings.sms_webhook_secret
    for payload, field in [
        ({"from": MOBILE_NO, "text": "5"}, "message_id"),
        ({"from": "not a number", "text": "5", "message_id": "x"}, "from"),
        ({"from": MOBILE_NO, "text": 5, "message_id": "x"}, "text"),
    ]:
        body = json.dumps(payload).encode()
        response = await api.client.post("/v1/sms/inbound", content=body, headers=api.signed(body, secret=secret))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["field"] == field
    garbage = b"{not json"
    response = await api.client.post("/v1/sms/inbound", content=garbage, headers=api.signed(garbage, secret=secret))
    assert response.status_code == 422


async def test_out_of_range_digits_get_one_clarification_and_are_not_counted(api: SurveysHarness) -> None:
    await api.finish_call(resolved_call(TENANT, at=api.now(), language="en"))
    [sms] = await api.wait_for_sms(1, to=MOBILE_NO)
    first, second, third = await api.answer(MOBILE_NO, "7", "0", "3")
    assert (first["status"], second["status"], third["status"]) == ("clarified", "ignored:not_an_answer", "answered")
    texts = [m["text"] for m in api.sms(MOBILE_NO)]
    assert len(texts) == 3
    assert texts[1].startswith("We did not understand your reply")
    [survey] = await api.surveys(TENANT)
    assert survey["answers"] == [3]
    assert [e.data["value"] for e in await api.events("surveys.survey.answered")] == [3]

    # the provider's delivery receipt for the first message
    body = json.dumps({"message_id": sms["message_id"], "status": "delivered"}).encode()
    headers = api.signed(body)
    response = await api.client.post("/v1/sms/receipts", content=body, headers=headers)
    assert response.status_code == 200 and response.json() == {"updated": 1}


async def test_two_replies_arriving_at_once_answer_two_questions_not_one_twice(api: SurveysHarness) -> None:
    await api.finish_call(resolved_call(TENANT, at=api.now()))
    await api.wait_for_sms(1, to=MOBILE_NO)
    first, second = await asyncio.gather(api.reply(MOBILE_NO, "5"), api.reply(MOBILE_NO, "4"))
    assert {first.json()["status"], second.json()["status"]} == {"answered"}
    [survey] = await api.surveys(TENANT)
    assert sorted(survey["answers"]) == [4, 5]
    assert sorted(e.data["question"] for e in await api.events("surveys.survey.answered")) == [1, 2]
