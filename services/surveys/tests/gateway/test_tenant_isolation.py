"""SMS webhooks act only within one tenant: bearer tokens, per-tenant webhook keys and secrets."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import select

from frontdoor_common.clock import ManualClock
from frontdoor_surveys.gateway.models import OutgoingSms, TenantGateway
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.surveys.models import InboundSms
from frontdoor_surveys.testing import MOBILE_NO, SurveysHarness, resolved_call, running_surveys

A = "a1a1a1a1-0000-4000-8000-00000000000a"
B = "b2b2b2b2-0000-4000-8000-00000000000b"


async def _survey_for_a(api: SurveysHarness) -> dict[str, Any]:
    """A's member got the first question by SMS."""
    await api.finish_call(resolved_call(A, at=api.now(), language="en"))
    [sms] = await api.wait_for_sms(1, to=MOBILE_NO)
    return sms


async def _a_survey(api: SurveysHarness) -> dict[str, Any]:
    [survey] = await api.surveys(A)
    return survey


async def _receipt(api: SurveysHarness, message_id: str, **post: Any) -> int:
    response = await api.client.post(
        post.pop("path", "/v1/sms/receipts"), json={"message_id": message_id, "status": "delivered"}, **post
    )
    assert response.status_code == 200, response.text
    updated: int = response.json()["updated"]
    return updated


async def _delivery_status(api: SurveysHarness, message_id: str) -> str | None:
    async with api.runtime.db.transaction() as session:
        row = (
            await session.execute(select(OutgoingSms).where(OutgoingSms.provider_message_id == message_id))
        ).scalar_one()
        return row.delivery_status


async def test_another_tenants_bearer_token_cannot_answer_or_update_a_tenants_survey(api: SurveysHarness) -> None:
    sms = await _survey_for_a(api)
    b_writer = api.headers(B, scopes="surveys:write")

    reply = {"from": MOBILE_NO, "text": "1", "message_id": "shared-id-1"}
    response = await api.client.post("/v1/sms/inbound", json=reply, headers=b_writer)
    assert response.status_code == 200
    assert response.json() == {"status": "unmatched", "survey_id": None}
    assert (await _a_survey(api))["answers"] == []
    assert len(api.sms(MOBILE_NO)) == 1  # A's member got no next question
    assert await api.events("surveys.survey.answered") == []

    assert await _receipt(api, sms["message_id"], headers=b_writer) == 0
    assert await _delivery_status(api, sms["message_id"]) is None

    # A's own token, even with the message id B used first (ids are unique per tenant): it counts.
    a_writer = api.headers(A, scopes="surveys:write")
    response = await api.client.post("/v1/sms/inbound", json=reply, headers=a_writer)
    assert response.status_code == 200
    survey = await _a_survey(api)
    assert response.json() == {"status": "answered", "survey_id": survey["id"]}
    assert survey["answers"] == [1]
    assert await _receipt(api, sms["message_id"], headers=a_writer) == 1
    assert await _delivery_status(api, sms["message_id"]) == "delivered"


async def test_a_tenants_webhook_address_takes_only_its_own_secret_and_reaches_only_its_surveys(
    api: SurveysHarness,
) -> None:
    sms = await _survey_for_a(api)
    a = await api.configure_gateway(A)
    b = await api.configure_gateway(B)
    assert a["webhook_key"] != b["webhook_key"] and a["webhook_secret"] != b["webhook_secret"]
    assert a["inbound_path"] == f"/v1/sms/inbound/{a['webhook_key']}"

    # B's secret on A's address: refused.
    forged = await api.reply(MOBILE_NO, "2", secret=b["webhook_secret"], path=a["inbound_path"])
    assert forged.status_code == 401 and forged.json()["error_id"] == "signature_invalid"
    # The platform-wide secret on A's address: refused too.
    assert (await api.reply(MOBILE_NO, "2", path=a["inbound_path"])).status_code == 401
    # B's own address and secret, A's member's number: no match within B.
    response = await api.reply(MOBILE_NO, "2", secret=b["webhook_secret"], path=b["inbound_path"])
    assert response.status_code == 200 and response.json()["status"] == "unmatched"
    assert (await _a_survey(api))["answers"] == []

    body = json.dumps({"message_id": sms["message_id"], "status": "delivered"}).encode()
    for secret, path, code in [
        (b["webhook_secret"], a["receipts_path"], 401),
        (b["webhook_secret"], b["receipts_path"], 200),
    ]:
        response = await api.client.post(path, content=body, headers=api.signed(body, secret=secret))
        assert response.status_code == code, response.text
        assert code == 401 or response.json() == {"updated": 0}
    assert await _delivery_status(api, sms["message_id"]) is None

    # A's own address and secret work.
    response = await api.reply(MOBILE_NO, "2", secret=a["webhook_secret"], path=a["inbound_path"])
    assert response.status_code == 200 and response.json()["status"] == "answered"
    assert (await _a_survey(api))["answers"] == [2]
    response = await api.client.post(
        a["receipts_path"], content=body, headers=api.signed(body, secret=a["webhook_secret"])
    )
    assert response.status_code == 200 and response.json() == {"updated": 1}

    # An unknown address is not found; a malformed one is refused before any lookup.
    unknown = await api.reply(MOBILE_NO, "2", path=f"/v1/sms/inbound/wh_{uuid.uuid4().hex}")
    assert unknown.status_code == 404 and unknown.json()["error_id"] == "webhook_not_found"
    assert (await api.reply(MOBILE_NO, "2", path="/v1/sms/inbound/..%2f..")).status_code in (404, 422)


async def test_the_gateway_resource_shows_the_secret_once_and_keeps_it_encrypted(api: SurveysHarness) -> None:
    admin = api.headers(A, scopes="admin")
    assert (await api.client.get("/v1/sms/gateway", headers=admin)).status_code == 404
    writer = api.headers(A, scopes="surveys:write")
    assert (await api.client.put("/v1/sms/gateway", json={}, headers=writer)).status_code == 403

    first = await api.configure_gateway(A, sender_id="Union", token="provider-token-a")
    assert first["webhook_secret"].startswith("whsec_") and first["has_token"] is True
    shown = (await api.client.get("/v1/sms/gateway", headers=admin)).json()
    assert shown["webhook_secret"] is None and "token" not in shown and shown["sender_id"] == "Union"

    again = await api.configure_gateway(A, sender_id="Union")  # token absent: kept; secret not shown again
    assert again["webhook_secret"] is None and again["has_token"] is True
    assert again["webhook_key"] == first["webhook_key"]
    cleared = await api.configure_gateway(A, token=None)
    assert cleared["has_token"] is False and cleared["sender_id"] is None

    rotated = await api.configure_gateway(A, rotate_secret=True)
    assert rotated["webhook_secret"] not in (None, first["webhook_secret"])
    new = await api.reply(MOBILE_NO, "2", secret=rotated["webhook_secret"], path=first["inbound_path"])
    assert new.status_code == 200
    # the previous secret verifies for a grace period (the provider switches over) ...
    old = await api.reply(MOBILE_NO, "2", secret=first["webhook_secret"], path=first["inbound_path"])
    assert old.status_code == 200
    # ... and only the one before the current one
    again = await api.configure_gateway(A, rotate_secret=True)
    old = await api.reply(MOBILE_NO, "2", secret=first["webhook_secret"], path=first["inbound_path"])
    assert old.status_code == 401
    for secret in (rotated["webhook_secret"], again["webhook_secret"]):
        assert (await api.reply(MOBILE_NO, "2", secret=secret, path=first["inbound_path"])).status_code == 200
    async with api.runtime.db.transaction() as session:  # past the grace period
        row = await session.get(TenantGateway, A)
        assert row is not None and row.previous_valid_until is not None
        row.previous_valid_until = row.previous_valid_until - timedelta(days=2)
    old = await api.reply(MOBILE_NO, "2", secret=rotated["webhook_secret"], path=first["inbound_path"])
    assert old.status_code == 401

    async with api.runtime.db.transaction() as session:
        row = await session.get(TenantGateway, A)
        assert row is not None
        assert again["webhook_secret"] not in row.webhook_secret_encrypted

    bad = await api.client.put("/v1/sms/gateway", json={"surprise": 1}, headers=admin)
    assert bad.status_code == 422


async def test_the_platform_secret_does_not_speak_for_a_tenant_with_its_own_gateway(api: SurveysHarness) -> None:
    await _survey_for_a(api)
    async with api.runtime.db.transaction() as session:
        # A's messages go through its own provider (set directly: the address rules are tested elsewhere).
        session.add(
            TenantGateway(
                tenant_id=A,
                url="https://sms.example.org/send",
                webhook_key="wh_" + uuid.uuid4().hex,
                webhook_secret_encrypted="unused",
                created_at=api.now(),
                updated_at=api.now(),
            )
        )
    response = await api.reply(MOBILE_NO, "3")  # signed with the platform-wide secret
    assert response.status_code == 200 and response.json()["status"] == "unmatched"
    assert (await _a_survey(api))["answers"] == []
    async with api.runtime.db.transaction() as session:
        [inbound] = (await session.execute(select(InboundSms))).scalars().all()
        assert inbound.scope == "platform" and inbound.outcome == "unmatched" and inbound.tenant_id is None


async def test_the_webhooks_declare_their_401_in_openapi(api: SurveysHarness) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    for path in (
        "/v1/sms/inbound",
        "/v1/sms/inbound/{webhook_key}",
        "/v1/sms/receipts",
        "/v1/sms/receipts/{webhook_key}",
    ):
        responses = paths[path]["post"]["responses"]
        assert "401" in responses and "application/problem+json" in responses["401"]["content"], path


async def test_a_secret_made_with_a_key_no_longer_configured_is_a_503_not_a_500(
    surveys_settings: Callable[..., Settings], clock: ManualClock
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = surveys_settings(kafka_bootstrap_servers=None, sms_secret_keys=[old])
    async with running_surveys(settings, clock) as harness:
        config = await harness.configure_gateway(A)
    settings = surveys_settings(kafka_bootstrap_servers=None, sms_secret_keys=[new])
    async with running_surveys(settings, clock) as harness:
        response = await harness.reply(MOBILE_NO, "1", secret=config["webhook_secret"], path=config["inbound_path"])
        assert response.status_code == 503 and response.json()["error_id"] == "webhook_secret_unreadable"
    # with both keys (newest first, as when rotating) it reads again
    settings = surveys_settings(kafka_bootstrap_servers=None, sms_secret_keys=[new, old])
    async with running_surveys(settings, clock) as harness:
        response = await harness.reply(MOBILE_NO, "1", secret=config["webhook_secret"], path=config["inbound_path"])
        assert response.status_code == 200 and response.json()["status"] == "unmatched"
