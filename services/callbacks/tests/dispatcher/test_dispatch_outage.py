"""Dispatch survives a routing outage and a dispatcher restart: delivered once, never twice."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.app import create_app
from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.testing import (
    QUEUE,
    TENANT,
    add_queue,
    context,
    dispatcher,
    outbox_events,
    read_topic,
    sqlite_only,
)
from frontdoor_common.bus import topics
from frontdoor_common.bus.broker import LocalBroker
from frontdoor_common.bus.consumer import ConsumerRunner, EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.db import Database
from frontdoor_common.events.callbacks import CallbackDispatched
from frontdoor_common.telemetry import Metrics
from frontdoor_common.testing import eventually, running_app


class RoutingStandIn:
    """Stands in for routing: an inbox consumer of the callbacks topic that queues each dispatch."""

    def __init__(self, db: Database, settings: Settings, bus: KafkaBus) -> None:
        self.tasks: list[tuple[str, int]] = []
        router = EventRouter()

        @router.on(CallbackDispatched.name)
        async def queue_task(_session: AsyncSession, envelope: Envelope) -> None:
            event: CallbackDispatched = CallbackDispatched.parse(envelope)
            self.tasks.append((str(event.callback.callback_id), event.attempt))

        # The foundation's runner and inbox, with routing's own consumer group.
        self.runner = ConsumerRunner(
            "routing-standin",
            [topics.CALLBACKS],
            router,
            db=db,
            settings=settings,
            bus=bus,
            metrics=Metrics("routing-standin"),
            outbox=Outbox("routing-standin"),
            group_id=f"{settings.topic_prefix}routing.callbacks",
        )


def crash(broker: LocalBroker) -> None:
    """Kill the broker at once (a crash, not a polite stop)."""
    assert broker.process is not None
    broker.process.kill()
    broker.process.wait()
    broker.process = None


async def _request_and_dispatch(app: FastAPI, client: Any, headers: dict[str, str]) -> str:
    await add_queue(app, TENANT, QUEUE)
    r = await client.post(
        "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(QUEUE)}, headers=headers
    )
    assert r.status_code == 201, r.text
    assert (await dispatcher(app).tick()).dispatched == [r.json()["id"]]
    return str(r.json()["id"])


async def test_a_dispatch_made_while_routing_is_down_is_consumed_once_when_it_starts_and_a_restart_does_not_redispatch(
    settings: Settings, clock: ManualClock, headers: dict[str, str]
) -> None:
    bootstrap = settings.kafka_bootstrap_servers or ""
    app = create_app(settings, clock=clock)
    async with running_app(app) as client:
        callback_id = await _request_and_dispatch(app, client, headers)
        # Nobody consumes: the event waits on the topic (published from the outbox).
        on_topic = await read_topic(bootstrap, settings.topic(topics.CALLBACKS), want=2)
        assert [e.type for e in on_topic].count("callbacks.callback.dispatched") == 1
        db_url = context(app).db.url

    # The callbacks service restarts (a new dispatcher on the same database) and ticks again.
    clock.advance(minutes=1)
    restarted = create_app(settings, clock=clock)
    async with running_app(restarted) as client:
        assert (await dispatcher(restarted).tick()).dispatched == []
        assert len(await outbox_events(context(restarted).db, CallbackDispatched.name)) == 1

        # Routing comes back: it gets the dispatch exactly once.
        bus = KafkaBus(bootstrap, client_id="routing-standin")
        await bus.start()
        db = Database(db_url)
        # (no broker watch: this broker does not restart, and a watch in flight slows the stop)
        standin = RoutingStandIn(db, settings.model_copy(update={"broker_watch_interval_s": 600}), bus)
        await standin.runner.start()
        try:
            await eventually(lambda: standin.tasks == [(callback_id, 1)], timeout=15)
            # A broker replay (the relay re-publishing its window) is absorbed by the inbox.
            relay = restarted.state.runtime.relay
            assert await relay.republish() >= 2
            await eventually(lambda: standin.runner.duplicates == 1, timeout=15)
            clock.advance(minutes=1)
            assert (await dispatcher(restarted).tick()).dispatched == []
        finally:
            await standin.runner.stop()
            await bus.stop()
            await db.dispose()
    assert standin.tasks == [(callback_id, 1)]


@sqlite_only
async def test_a_dispatch_made_while_the_broker_is_down_is_published_when_it_is_back(
    make_settings: Any, clock: ManualClock, headers: dict[str, str]
) -> None:
    broker = LocalBroker().start()
    settings = make_settings(
        Settings, kafka_bootstrap_servers=broker.bootstrap, dispatcher_interval_s=0, run_consumers=False
    )
    app = create_app(settings, clock=clock)
    try:
        async with running_app(app) as client:
            crash(broker)
            callback_id = await _request_and_dispatch(app, client, headers)
            db = context(app).db
            async with db.transaction() as s:
                unsent = (await s.execute(select(outbox.c.type).where(outbox.c.sent_at.is_(None)))).scalars().all()
            assert "callbacks.callback.dispatched" in unsent
            broker.start()  # same port, empty: the relay creates the topics and publishes
            envelopes = await read_topic(broker.bootstrap, settings.topic(topics.CALLBACKS), want=2, timeout=30)
            dispatched = [e for e in envelopes if e.type == CallbackDispatched.name]
            assert [e.data["callback"]["callback_id"] for e in dispatched][:1] == [callback_id]
            assert len({e.id for e in dispatched}) == 1
    finally:
        broker.stop()
    assert uuid.UUID(callback_id)
