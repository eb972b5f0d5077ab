"""A provider outage delays survey SMS (retried with backoff); nothing is lost, nothing sent twice."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from frontdoor_common.clock import ManualClock, SystemClock
from frontdoor_common.testing import eventually, serve_app
from frontdoor_surveys.gateway.base import OutgoingMessage
from frontdoor_surveys.gateway.file import FileGateway, read_messages
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.testing import MOBILE_NO, SurveysHarness, resolved_call, running_surveys

TENANT = "55555555-5555-4555-8555-555555555555"
OSLO = ZoneInfo("Europe/Oslo")


class FlakyProvider:
    """An SMS provider that answers 503 while `failures` lasts, then accepts."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests = 0
        self.received: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/sms")(self.send)

    async def send(self, request: Request) -> JSONResponse:
        self.requests += 1
        if request.headers.get("authorization") != "Bearer provider-token":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if self.failures > 0:
            self.failures -= 1
            return JSONResponse({"error": "maintenance"}, status_code=503)
        self.received.append(await request.json())
        return JSONResponse({"message_id": f"prov-{len(self.received)}"}, status_code=202)


@asynccontextmanager
async def surveys_on(
    provider: FlakyProvider, surveys_settings: Callable[..., Settings], clock: ManualClock | None
) -> AsyncIterator[SurveysHarness]:
    """The surveys service sending through the provider (no broker: this is about the gateway)."""
    async with serve_app(provider.app) as provider_url:
        settings = surveys_settings(
            sms_gateway="http",
            sms_http_url=f"{provider_url}/sms",
            sms_http_token="provider-token",
            kafka_bootstrap_servers=None,
        )
        async with running_surveys(settings, clock) as harness:
            yield harness


async def _outgoing(harness: SurveysHarness) -> list[OutgoingSms]:
    async with harness.runtime.db.transaction() as session:
        return list((await session.execute(select(OutgoingSms))).scalars().all())


async def test_a_gateway_outage_delays_the_survey_and_the_sms_goes_out_when_it_is_back(
    surveys_settings: Callable[..., Settings],
) -> None:
    provider = FlakyProvider(failures=3)
    async with surveys_on(provider, surveys_settings, None) as harness:
        # the wall clock (for the backoff) may be in Oslo's quiet hours: lift them
        no_quiet_hours = {"quiet_start": "00:00", "quiet_end": "00:00"}
        headers = harness.headers(TENANT, scopes="surveys:write")
        assert (await harness.client.put("/v1/survey-policy", json=no_quiet_hours, headers=headers)).status_code == 200
        await harness.finish_call(resolved_call(TENANT, at=harness.now()))
        sender = harness.context.sender
        await eventually(lambda: len(provider.received) == 1)
        await eventually(lambda: harness.events("surveys.survey.sent"))
        [survey] = await harness.surveys(TENANT)
        assert survey["status"] == "asking"
        [row] = await _outgoing(harness)
        assert (row.status, row.attempts, row.provider_message_id) == ("sent", 4, "prov-1")
        assert row.last_error is None
    [message] = provider.received
    assert message["to"] == MOBILE_NO and "Spørsmål 1/4" in message["text"]
    assert message["reference"] == str(row.id) and message["from"] == harness.settings.sms_sender_id
    assert sender.sent_total == 1 and sender.failures_total == 3 and provider.requests == 4


async def test_a_survey_that_an_outage_delayed_into_the_night_waits_for_the_morning(
    surveys_settings: Callable[..., Settings],
) -> None:
    provider = FlakyProvider(failures=10**6)
    clock = ManualClock(datetime(2026, 11, 17, 20, 58, tzinfo=OSLO))
    async with surveys_on(provider, surveys_settings, clock) as harness:
        await harness.finish_call(resolved_call(TENANT, at=harness.now()))
        await eventually(lambda: provider.requests >= 1)
        await harness.sender_idle()
        provider.failures = 0  # the provider is back, but it is night now
        clock.set(datetime(2026, 11, 17, 21, 30, tzinfo=OSLO))
        sender = harness.context.sender
        await sender.send_due()
        [row] = await _outgoing(harness)
        assert row.status == "pending" and row.next_attempt_at == datetime(2026, 11, 18, 8, 0, tzinfo=OSLO)
        assert provider.received == []

        clock.set(datetime(2026, 11, 18, 8, 0, tzinfo=OSLO))
        await eventually(lambda: len(provider.received) == 1)
        await eventually(lambda: harness.events("surveys.survey.sent"))
        [survey] = await harness.surveys(TENANT)
        sent_at = datetime.fromisoformat(survey["sent_at"])
        assert sent_at == datetime(2026, 11, 18, 8, 0, tzinfo=OSLO)
        assert datetime.fromisoformat(survey["expires_at"]) == sent_at + timedelta(hours=24)


async def test_the_file_gateway_writes_a_message_once_even_when_sent_again_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    message = OutgoingMessage(reference=uuid.uuid4(), tenant_id=TENANT, to=MOBILE_NO, sender="F", body="Q1")
    first = await FileGateway(path, SystemClock()).send(message)
    # a crash cut the next line short, then the restarted sender sends the first message again
    with path.open("a", encoding="utf-8") as f:
        f.write('{"message_id": "file-x", "refer')
    again = await FileGateway(path, SystemClock()).send(message)
    other = OutgoingMessage(reference=uuid.uuid4(), tenant_id=TENANT, to=MOBILE_NO, sender="F", body="Q2")
    await FileGateway(path, SystemClock()).send(other)
    assert first == again
    assert [m["text"] for m in read_messages(path)] == ["Q1", "Q2"]
