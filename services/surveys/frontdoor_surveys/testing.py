"""Test helpers on real parts: publish contact events to the broker, reply through the signed webhook.

Used by the service's tests (through fixtures) and handy in a REPL against a running service.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import col

from frontdoor_common.auth import mint_token
from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Envelope, Event
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.callbacks import CallbackCompleted, CallbackSnapshot
from frontdoor_common.events.routing import CallCompleted, CallSnapshot
from frontdoor_common.service import Runtime
from frontdoor_common.testing import eventually, parts_of, running_app
from frontdoor_common.testing.bus import publish
from frontdoor_surveys.app import create_app
from frontdoor_surveys.context import SurveysContext
from frontdoor_surveys.gateway.file import read_messages
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.gateway.signature import signed_headers
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.surveys.consumer import finished_call

MOBILE_NO = "+4741234567"
MOBILE_NL = "+31612345678"
LANDLINE_NO = "+4722123456"


def resolved_call(tenant_id: str, *, at: datetime, **overrides: Any) -> CallSnapshot:
    """A call answered by an agent, not transferred, resolved in the first line, member identified."""
    values: dict[str, Any] = {
        "call_id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "cti_call_id": f"cti-{uuid.uuid4().hex[:8]}",
        "caller_number": MOBILE_NO,
        "language": "no",
        "queue_id": uuid.uuid4(),
        "member_id": uuid.uuid4(),
        "agent_id": uuid.uuid4(),
        "agent_team_id": uuid.uuid4(),
        "state": "completed",
        "arrived_at": at - timedelta(minutes=6),
        "answered_at": at - timedelta(minutes=5),
        "completed_at": at,
        "transferred": False,
        "transfers": 0,
        "resolution": "resolved",
    }
    values.update(overrides)
    return CallSnapshot(**values)


class SurveysHarness:
    """A running surveys app with a producer on the test broker and a signed-webhook client."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, settings: Settings, clock: ManualClock | None) -> None:
        self.app = app
        self.client = client
        self.settings = settings
        self.clock = clock
        self.bus: KafkaBus | None = None
        self._message_ids = 0

    async def start(self) -> SurveysHarness:
        """Connect the producer (when the service has a broker)."""
        if self.settings.kafka_bootstrap_servers:
            self.bus = KafkaBus(self.settings.kafka_bootstrap_servers, client_id="surveys-test")
            await self.bus.start()
        return self

    async def stop(self) -> None:
        """Disconnect the producer."""
        if self.bus is not None:
            await self.bus.stop()

    @property
    def runtime(self) -> Runtime:
        """The app's runtime."""
        runtime: Runtime = self.app.state.runtime
        return runtime

    @property
    def context(self) -> SurveysContext:
        """The app's composition root (its sender, sweeper, services, clock)."""
        return parts_of(self.app, SurveysContext)

    def now(self) -> datetime:
        """The time on the service's clock."""
        return self.context.clock.now()

    def signed(self, body: bytes, *, secret: str | None = None) -> dict[str, str]:
        """Headers of a webhook signed now (on the service's clock) with `secret` (default: the platform's)."""
        return signed_headers(secret or self.settings.sms_webhook_secret, body, clock=self.context.clock)

    def headers(self, tenant_id: str, scopes: str = "surveys:read") -> dict[str, str]:
        """A bearer header for the tenant."""
        return {"Authorization": f"Bearer {mint_token(tenant_id=tenant_id, scopes=scopes)}"}

    async def publish(self, event: Event, *, tenant: str, topic: str, envelope_id: str | None = None) -> Envelope:
        """Produce an event in its envelope to the prefixed topic, as its producing service's relay would."""
        assert self.bus is not None
        return await publish(
            self.bus.producer, self.settings.topic(topic), event, tenant=tenant, envelope_id=envelope_id
        )

    async def publish_call(self, call: CallSnapshot, *, envelope_id: str | None = None) -> Envelope:
        """routing.call.completed for this call."""
        return await self.publish(
            CallCompleted(call=call), tenant=call.tenant_id, topic=topics.ROUTING, envelope_id=envelope_id
        )

    async def publish_callback(self, callback: CallbackSnapshot) -> Envelope:
        """callbacks.callback.completed for this callback."""
        return await self.publish(
            CallbackCompleted(callback=callback), tenant=callback.tenant_id, topic=topics.CALLBACKS
        )

    async def finish_call(self, call: CallSnapshot) -> uuid.UUID:
        """Hand a completed call straight to the service (no broker), as the consumer would; the survey's id."""
        async with self.runtime.db.transaction() as session:
            survey = await self.context.surveys.consider_contact(session, finished_call(call, self.now()))
        assert survey is not None, "this call was seen before"
        return survey.id

    async def handled(self, count: int) -> None:
        """Wait until the contacts consumer handled `count` events (duplicates included)."""
        consumer = self.runtime.consumers[0]
        await eventually(lambda: consumer.handled + consumer.duplicates >= count)

    def sms(self, to: str | None = None) -> list[dict[str, str]]:
        """What the file gateway sent so far (to one number)."""
        messages = read_messages(self.settings.var_dir / self.settings.sms_file_name)
        return [m for m in messages if to is None or m["to"] == to]

    async def wait_for_sms(self, count: int, to: str | None = None, timeout: float = 20.0) -> list[dict[str, str]]:
        """Wait until at least `count` messages went out (to one number) and the sender recorded them."""
        await eventually(lambda: len(self.sms(to)) >= count, timeout=timeout)
        await self.sender_idle()
        return self.sms(to)

    async def sender_idle(self) -> None:
        """Wait until no SMS is between the gateway and the database (claimed, not yet recorded)."""

        async def idle() -> bool:
            async with self.runtime.db.transaction() as session:
                sending = await session.scalar(
                    select(func.count()).select_from(OutgoingSms).where(col(OutgoingSms.status) == "sending")
                )
            return bool(sending == 0)

        await eventually(idle)

    async def reply(
        self,
        number: str,
        text: str,
        *,
        message_id: str | None = None,
        secret: str | None = None,
        path: str = "/v1/sms/inbound",
    ) -> httpx.Response:
        """POST /v1/sms/inbound (or a tenant's webhook `path`) signed like the gateway does."""
        if message_id is None:
            self._message_ids += 1
            message_id = f"in-{uuid.uuid4().hex[:8]}-{self._message_ids}"
        body = json.dumps({"from": number, "text": text, "message_id": message_id}).encode()
        return await self.client.post(path, content=body, headers=self.signed(body, secret=secret))

    async def configure_gateway(self, tenant_id: str, **body: Any) -> dict[str, Any]:
        """PUT /v1/sms/gateway for the tenant (admin); the answer (with the webhook secret when new)."""
        response = await self.client.put("/v1/sms/gateway", json=body, headers=self.headers(tenant_id, scopes="admin"))
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def answer(self, number: str, *texts: str) -> list[dict[str, Any]]:
        """Reply several texts in turn, each after the previous one's answer went out."""
        results = []
        for text in texts:
            before = len(self.sms(number))
            response = await self.reply(number, text)
            assert response.status_code == 200, response.text
            results.append(response.json())
            if response.json()["status"] in {"answered", "completed", "clarified", "commented", "opted_out"}:
                await self.wait_for_sms(before + 1, to=number)
        return results

    async def surveys(self, tenant_id: str, **params: Any) -> list[dict[str, Any]]:
        """GET /v1/surveys items."""
        response = await self.client.get("/v1/surveys", params=params, headers=self.headers(tenant_id))
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def events(self, event_type: str | None = None) -> list[Envelope]:
        """The service's outbox (what it published or will), in order, of one type."""
        async with self.runtime.db.transaction() as session:
            rows = (await session.execute(select(outbox.c.type, outbox.c.payload).order_by(outbox.c.id))).all()
        return [Envelope.model_validate_json(r.payload) for r in rows if event_type is None or r.type == event_type]


@contextlib.asynccontextmanager
async def running_surveys(settings: Settings, clock: ManualClock | None = None) -> AsyncIterator[SurveysHarness]:
    """The surveys app running on `settings` (and `clock`, else the system clock), as a harness."""
    app = create_app(settings, clock=clock)
    async with running_app(app) as client:
        harness = await SurveysHarness(app, client, settings, clock).start()
        try:
            yield harness
        finally:
            await harness.stop()
