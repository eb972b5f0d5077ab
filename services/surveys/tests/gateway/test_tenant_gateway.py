"""A tenant's own gateway URL: public addresses only, bounded in time and size, its answers never echoed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import eventually, serve_app
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.testing import MOBILE_NL, MOBILE_NO, SurveysHarness, resolved_call, running_surveys

A = "a1a1a1a1-0000-4000-8000-00000000000a"
B = "b2b2b2b2-0000-4000-8000-00000000000b"
ECHO = "PROVIDER-SAYS-+4741234567-internal-detail"


class Provider:
    """A tenant's SMS provider on loopback; `mode` says how it answers."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.received: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/sms")(self.send)

    async def send(self, request: Request) -> Response:
        if request.headers.get("authorization") != "Bearer token-a":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if self.mode == "refuse":
            return JSONResponse({"error": ECHO}, status_code=400)
        if self.mode == "slow":
            await asyncio.sleep(3)
        if self.mode == "huge":
            self.received.append(await request.json())
            return Response(b'{"message_id": "' + b"x" * 2_000_000 + b'"}', media_type="application/json")
        payload = await request.json()
        assert request.headers["idempotency-key"] == payload["reference"]
        self.received.append(payload)
        return JSONResponse({"message_id": f"prov-{len(self.received)}"}, status_code=202)


@asynccontextmanager
async def running(surveys_settings: Callable[..., Settings], clock: ManualClock) -> AsyncIterator[SurveysHarness]:
    settings = surveys_settings(
        kafka_bootstrap_servers=None,
        sms_gateway_allow_private=True,  # the provider is on loopback: allowed on purpose
        sms_gateway_deadline_s=0.5,
        sms_gateway_max_response_bytes=4096,
    )
    async with running_surveys(settings, clock) as harness:
        yield harness


async def _rows(harness: SurveysHarness) -> list[OutgoingSms]:
    async with harness.runtime.db.transaction() as session:
        return list((await session.execute(select(OutgoingSms).order_by(OutgoingSms.created_at))).scalars().all())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8005/v1/surveys",
        "http://localhost/",
        "http://10.1.2.3/sms",
        "http://192.168.0.10/sms",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/sms",
        "http://[::ffff:127.0.0.1]/sms",
        "file:///etc/passwd",
        "gopher://example.org/",
        "not a url",
        "https://user:secret@8.8.8.8/send",  # public, but credentials belong in `token`
    ],
)
async def test_a_gateway_url_to_a_loopback_or_private_address_is_refused(api: SurveysHarness, url: str) -> None:
    admin = api.headers(A, scopes="admin")
    response = await api.client.put("/v1/sms/gateway", json={"url": url}, headers=admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "url"
    assert (await api.client.get("/v1/sms/gateway", headers=admin)).status_code == 404  # nothing half-written


async def test_a_tenants_messages_go_to_its_own_provider_and_others_stay_on_the_platform_gateway(
    surveys_settings: Callable[..., Settings], clock: ManualClock
) -> None:
    provider = Provider()
    async with serve_app(provider.app) as provider_url, running(surveys_settings, clock) as harness:
        config = await harness.configure_gateway(A, url=f"{provider_url}/sms", sender_id="UnionA", token="token-a")
        assert config["url"] == f"{provider_url}/sms" and config["has_token"] is True
        await harness.finish_call(resolved_call(A, at=harness.now(), language="en"))
        await harness.finish_call(resolved_call(B, at=harness.now(), language="en", caller_number=MOBILE_NL))
        await eventually(lambda: len(provider.received) == 1)
        await harness.wait_for_sms(1)
        [sent] = provider.received
        assert sent["to"] == MOBILE_NO and sent["from"] == "UnionA"
        assert [m["to"] for m in harness.sms()] == [MOBILE_NL]  # B: the platform's (file) gateway
        await harness.sender_idle()
        by_tenant = {r.tenant_id: r for r in await _rows(harness)}
        assert by_tenant[A].status == "sent" and by_tenant[A].provider_message_id == "prov-1"

        # A reply through A's own webhook reaches A's survey.
        response = await harness.reply(MOBILE_NO, "4", secret=config["webhook_secret"], path=config["inbound_path"])
        assert response.json()["status"] == "answered"
        await eventually(lambda: len(provider.received) == 2)


async def test_what_the_provider_answers_is_never_echoed_and_a_slow_or_huge_answer_is_bounded(
    surveys_settings: Callable[..., Settings], clock: ManualClock
) -> None:
    provider = Provider()
    async with serve_app(provider.app) as provider_url, running(surveys_settings, clock) as harness:
        await harness.configure_gateway(A, url=f"{provider_url}/sms", token="token-a")

        provider.mode = "refuse"
        survey_id = await harness.finish_call(resolved_call(A, at=harness.now(), language="en"))

        async def failed() -> bool:
            return any(r.status == "failed" for r in await _rows(harness))

        await eventually(failed)
        [row] = await _rows(harness)
        assert row.last_error == "provider refused the message: 400"
        response = await harness.client.get(f"/v1/surveys/{survey_id}", headers=harness.headers(A))
        assert response.json()["status"] == "failed"
        assert ECHO not in response.text
        shown = await harness.client.get("/v1/sms/gateway", headers=harness.headers(A, scopes="admin"))
        assert ECHO not in shown.text

        # A provider slower than the deadline: an outage (retried), not a hung sender.
        provider.mode = "slow"
        await harness.finish_call(resolved_call(A, at=harness.now(), language="en", caller_number=MOBILE_NL))

        async def timed_out() -> OutgoingSms | None:
            rows = [r for r in await _rows(harness) if r.status == "pending" and r.attempts >= 1]
            return rows[0] if rows else None

        pending = await eventually(timed_out, timeout=10)
        assert pending is not None and pending.last_error == "gateway unreachable: timeout"

        # A huge answer is read up to the cap: the message counts as sent under our own reference.
        provider.mode = "huge"

        async def sent() -> OutgoingSms | None:
            rows = [r for r in await _rows(harness) if r.status == "sent"]
            return rows[0] if rows else None

        clock.advance(timedelta(seconds=1))  # past the retry's backoff
        done = await eventually(sent, timeout=15)
        assert done is not None and done.provider_message_id == str(done.id)
