"""Routing's events come back in: queues fill the replica, call events drive presence and workload."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from frontdoor_agents.app import create_app
from frontdoor_agents.clock import ManualClock
from frontdoor_agents.settings import Settings
from frontdoor_agents.testing import TopicWatcher, envelope, oslo, produce
from frontdoor_common.auth import mint_token
from frontdoor_common.bus import topics
from frontdoor_common.events.routing import (
    CallAnswered,
    CallCompleted,
    CallSnapshot,
    CallWrapUp,
    OfferWithdrawn,
    QueueSnapshot,
    QueueUpserted,
)
from frontdoor_common.testing import auth, eventually, running_app

TENANT = "7e000000-0000-4000-8000-000000000001"


async def test_call_events_drive_presence_and_the_workload_figures(
    make_settings: Callable[..., Any], kafka_bootstrap: str
) -> None:
    settings: Settings = make_settings(Settings, run_feed_refresher=False)
    clock = ManualClock(oslo(2027, 1, 4, 9, 0))
    routing_topic = settings.topic(topics.ROUTING)
    async with (
        running_app(create_app(settings, clock=clock)) as client,
        TopicWatcher(kafka_bootstrap, settings.topic(topics.AGENTS)) as watcher,
    ):
        client.headers.update(auth(mint_token(tenant_id=TENANT, scopes="all")))
        queue_id = uuid.uuid4()
        queue = QueueSnapshot(queue_id=queue_id, tenant_id=TENANT, name="Loop 1", ivr_digit="1")
        await produce(kafka_bootstrap, routing_topic, [envelope(QueueUpserted(queue=queue), tenant=TENANT)])

        team = (await client.post("/v1/teams", json={"name": "Loop 1", "target_calls_per_day": 40})).json()
        agent = (await client.post("/v1/agents", json={"name": "Sindre Fjellheim", "team_id": team["id"]})).json()["id"]
        await client.put(f"/v1/agents/{agent}/presence", json={"presence": "available"})

        async def joined() -> bool:
            r = await client.put(f"/v1/agents/{agent}/queues/{queue_id}", json={"proficiency": 4})
            return r.status_code == 200

        await eventually(joined, timeout=20)

        call = CallSnapshot(
            call_id=uuid.uuid4(),
            tenant_id=TENANT,
            cti_call_id="cti-1",
            state="answered",
            arrived_at=oslo(2027, 1, 4, 9, 9),
            answered_at=oslo(2027, 1, 4, 9, 10),
            agent_id=uuid.UUID(agent),
            queue_id=queue_id,
        )
        wrap = call.model_copy(
            update={"state": "wrap_up", "talk_ended_at": oslo(2027, 1, 4, 9, 15), "talk_seconds": 300.0}
        )
        done = wrap.model_copy(
            update={"state": "completed", "completed_at": oslo(2027, 1, 4, 9, 16), "wrapup_seconds": 60.0}
        )
        completed = envelope(CallCompleted(call=done), tenant=TENANT)
        timeout = OfferWithdrawn(
            call=done.model_copy(update={"call_id": uuid.uuid4()}),
            offer_id=uuid.uuid4(),
            agent_id=uuid.UUID(agent),
            reason="timeout",
        )
        await produce(
            kafka_bootstrap,
            routing_topic,
            [
                envelope(CallAnswered(call=call), tenant=TENANT),
                envelope(CallWrapUp(call=wrap), tenant=TENANT),
                completed,
                completed,  # a redelivery changes nothing
            ],
        )

        def presences() -> list[tuple[str, str | None]]:
            return [
                (s.envelope.data["current"]["presence"], s.envelope.data["current"]["presence_reason"])
                for s in watcher.of_type("agents.agent.presence_changed", agent)
            ]

        await watcher.wait_for(lambda: len(presences()) == 4, timeout=20)
        # Another call's offer times out (another key, so another partition: sent once the call is done).
        await produce(kafka_bootstrap, routing_topic, [envelope(timeout, tenant=TENANT, at=oslo(2027, 1, 4, 9, 20))])
        await watcher.wait_for(lambda: len(presences()) == 5, timeout=20)
        assert presences() == [
            ("available", None),
            ("on_call", None),
            ("wrap_up", None),
            ("available", None),
            ("away", "not_responding"),
        ]
        on_call = watcher.of_type("agents.agent.presence_changed", agent)[1].envelope.data
        assert on_call["previous"]["presence"] == "available" and on_call["current"]["available"] is False

        clock.set(oslo(2027, 1, 4, 10, 0))
        day = (await client.get("/v1/workload", params={"period": "day", "date": "2027-01-04"})).json()
        figures = day["agents"][0]
        assert figures["logged_in_seconds"] == 3600
        assert (figures["talk_seconds"], figures["wrapup_seconds"], figures["calls_handled"]) == (300, 60, 1)
        assert figures["away_seconds"] == {"not_responding": 2400}
        assert figures["occupancy"] == 0.3  # 360 s of calls over 1200 s ready
        assert figures["share_of_target"] == 0.025  # 1 call of 40
        assert day["teams"][0]["name"] == "Loop 1" and day["teams"][0]["calls_handled"] == 1
        week = (await client.get("/v1/workload", params={"period": "week", "date": "2027-01-06"})).json()
        assert week["agents"][0]["target_calls"] == 200 and week["start"] == "2027-01-03T23:00:00Z"
        assert (oslo(2027, 1, 11) - oslo(2027, 1, 4)) == timedelta(days=7)
