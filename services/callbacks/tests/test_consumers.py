"""What the service learns from routing and agents events, on the real broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdoor_callbacks.app import create_app
from frontdoor_callbacks.clock import ManualClock
from frontdoor_callbacks.scheduling import Interval
from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.testing import OTHER_TENANT, QUEUE, TENANT, add_queue, context, dispatcher, outbox_events
from frontdoor_common.bus.events import Event
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.events.agents import QueueOpeningChanged
from frontdoor_common.events.routing import CallAnswered, CallCompleted, CallSnapshot, QueueSnapshot, QueueUpserted
from frontdoor_common.testing import eventually, running_app
from frontdoor_common.testing.bus import publish as publish_event


class SwitchableHours:
    """Opening hours a test can change (the agents service's answer, without the service)."""

    def __init__(self) -> None:
        self.closed_until: datetime | None = None
        self.asked = 0

    async def intervals(self, tenant_id: str, queue_id: uuid.UUID, start: datetime, end: datetime) -> list[Interval]:
        self.asked += 1
        opens = max(start, self.closed_until) if self.closed_until else start
        return [Interval(opens, end)] if opens < end else []

    def invalidate(self, tenant_id: str, queue_id: uuid.UUID | None) -> None:
        pass


@pytest.fixture
def hours() -> SwitchableHours:
    return SwitchableHours()


@pytest.fixture
def live_app(make_settings: Any, clock: ManualClock, hours: SwitchableHours) -> FastAPI:
    # A short session: the local broker forms a new group after half of it.
    settings = make_settings(
        Settings,
        dispatcher_interval_s=0,
        run_consumers=True,
        consumer_session_timeout_ms=1000,
        consumer_heartbeat_interval_ms=250,
    )
    return create_app(settings, clock=clock, opening_hours=lambda _s: hours)


@pytest.fixture
async def publish(kafka_bootstrap: str, live_app: FastAPI) -> AsyncIterator[Any]:
    """Publish an event as another service would (straight onto its topic)."""
    bus = KafkaBus(kafka_bootstrap, client_id="other-service")
    await bus.start()

    async def send(event: Event, tenant: str) -> None:
        await publish_event(bus.producer, live_app.state.runtime.settings.topic(event.topic), event, tenant=tenant)

    yield send
    await bus.stop()


def call(callback_id: str, state: str, **kw: Any) -> CallSnapshot:
    return CallSnapshot(
        call_id=kw.pop("call_id", uuid.UUID(int=1)),
        tenant_id=TENANT,
        cti_call_id="task-1",
        kind="callback",
        callback_id=uuid.UUID(callback_id),
        queue_id=QUEUE,
        state=state,  # type: ignore[arg-type]
        arrived_at=datetime(2026, 11, 23, 8, tzinfo=datetime.now().astimezone().tzinfo),
        **kw,
    )


async def test_a_queue_routing_announces_accepts_callbacks_and_another_tenants_queue_does_not(
    live_app: FastAPI, publish: Any, headers: dict[str, str]
) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    async with running_app(live_app) as client:
        await publish(QueueUpserted(queue=QueueSnapshot(queue_id=mine, tenant_id=TENANT, name="Wages")), TENANT)
        await publish(
            QueueUpserted(queue=QueueSnapshot(queue_id=theirs, tenant_id=OTHER_TENANT, name="Theirs")), OTHER_TENANT
        )

        async def accepted() -> bool:
            r = await client.post(
                "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(mine)}, headers=headers
            )
            return r.status_code == 201

        await eventually(accepted, timeout=15)
        refused = await client.post(
            "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(theirs)}, headers=headers
        )
        assert refused.status_code == 422
        assert (refused.json()["field"], refused.json()["error_id"]) == ("queue_id", "unknown_queue")


async def test_routing_answering_the_task_puts_it_in_progress_and_a_resolved_completion_counts_as_reached(
    live_app: FastAPI, publish: Any, headers: dict[str, str]
) -> None:
    agent = uuid.uuid4()
    async with running_app(live_app) as client:
        await add_queue(live_app, TENANT, QUEUE)
        cb = (
            await client.post(
                "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(QUEUE)}, headers=headers
            )
        ).json()
        await dispatcher(live_app).tick()
        await publish(CallAnswered(call=call(cb["id"], "answered", agent_id=agent)), TENANT)

        async def status() -> str:
            return str((await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()["status"])

        await eventually(lambda: _is(status, "in_progress"), timeout=15)
        await publish(CallCompleted(call=call(cb["id"], "completed", agent_id=agent, resolution="resolved")), TENANT)
        await eventually(lambda: _is(status, "completed"), timeout=15)
        detail = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
        assert [(a["outcome"], a["recorded_by"], a["agent_id"]) for a in detail["attempt_log"]] == [
            ("reached", "routing", str(agent))
        ]
        [completed] = await outbox_events(context(live_app).db, "callbacks.callback.completed")
        assert completed.data["agent_id"] == str(agent)


async def _is(check: Any, want: str) -> bool:
    return bool(await check() == want)


async def test_a_queue_closing_for_a_holiday_moves_a_scheduled_callback_to_when_it_reopens(
    live_app: FastAPI, publish: Any, hours: SwitchableHours, clock: ManualClock, headers: dict[str, str]
) -> None:
    async with running_app(live_app) as client:
        await add_queue(live_app, TENANT, QUEUE)
        start = clock.now() + timedelta(hours=1)
        cb = (
            await client.post(
                "/v1/callbacks",
                json={"source": "web", "number": "91234567", "queue_id": str(QUEUE), "window_start": start.isoformat()},
                headers=headers,
            )
        ).json()
        reopens = clock.now() + timedelta(days=1)
        hours.closed_until = reopens  # the agents service now says: closed until tomorrow
        await publish(
            QueueOpeningChanged(tenant_id=TENANT, queue_id=QUEUE, open=False, reason="holiday", at=clock.now()), TENANT
        )

        async def moved() -> bool:
            await dispatcher(live_app).tick()
            got = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
            return bool(got["due_at"] == reopens.isoformat().replace("+00:00", "Z"))

        await eventually(moved, timeout=15)
        clock.set(start)
        assert (await dispatcher(live_app).tick()).dispatched == []
        clock.set(reopens)
        assert (await dispatcher(live_app).tick()).dispatched == [cb["id"]]
