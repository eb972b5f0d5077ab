"""Routing's events come back in: queues fill the replica, call events drive presence and workload."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from frontdoor_agents.app import create_app
from frontdoor_agents.settings import Settings
from frontdoor_agents.testing import TopicWatcher, envelope, oslo, produce
from frontdoor_common.auth import mint_token
from frontdoor_common.bus import topics
from frontdoor_common.clock import ManualClock
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


async def test_a_persons_intent_wins_over_a_mirror_that_lags_routing(
    make_settings: Callable[..., Any], kafka_bootstrap: str
) -> None:
    """Going away right after a call (routing's `completed` not consumed yet) is not refused, and the
    call events that arrive afterwards do not undo it; re-sending a state is idempotent."""
    settings: Settings = make_settings(Settings, run_feed_refresher=False)
    clock = ManualClock(oslo(2027, 1, 4, 9, 0))
    routing_topic = settings.topic(topics.ROUTING)
    async with (
        running_app(create_app(settings, clock=clock)) as client,
        TopicWatcher(kafka_bootstrap, settings.topic(topics.AGENTS)) as watcher,
    ):
        client.headers.update(auth(mint_token(tenant_id=TENANT, scopes="all")))
        agent = (await client.post("/v1/agents", json={"name": "Ola Lysebu"})).json()["id"]
        put = lambda body: client.put(f"/v1/agents/{agent}/presence", json=body)  # noqa: E731
        assert (await put({"presence": "available"})).status_code == 200
        call = CallSnapshot(
            call_id=uuid.uuid4(),
            tenant_id=TENANT,
            cti_call_id="cti-lag",
            state="answered",
            arrived_at=oslo(2027, 1, 4, 9, 9),
            answered_at=oslo(2027, 1, 4, 9, 10),
            agent_id=uuid.UUID(agent),
        )
        await produce(kafka_bootstrap, routing_topic, [envelope(CallAnswered(call=call), tenant=TENANT)])

        async def on_call() -> bool:
            return bool((await client.get(f"/v1/agents/{agent}")).json()["presence"] == "on_call")

        await eventually(on_call, timeout=20)
        # The call ended at 9:15 in routing; our mirror has not heard. The person goes on a break at 9:16.
        clock.set(oslo(2027, 1, 4, 9, 16))
        r = await put({"presence": "away", "reason": "break"})
        assert r.status_code == 200, r.text
        assert (r.json()["presence"], r.json()["presence_reason"]) == ("away", "break")
        # Re-sending the same state is idempotent: 200, no event.
        events = 3  # available, on_call, away
        await watcher.wait_for(lambda: len(watcher.of_type("agents.agent.presence_changed", agent)) == events)
        assert (await put({"presence": "away", "reason": "break"})).status_code == 200
        # Routing's late wrap-up and completion (dated before the break) do not undo it.
        wrap = call.model_copy(update={"state": "wrap_up", "talk_ended_at": oslo(2027, 1, 4, 9, 14)})
        done = wrap.model_copy(update={"state": "completed", "completed_at": oslo(2027, 1, 4, 9, 15)})
        await produce(
            kafka_bootstrap,
            routing_topic,
            [envelope(CallWrapUp(call=wrap), tenant=TENANT), envelope(CallCompleted(call=done), tenant=TENANT)],
        )

        async def recorded() -> bool:
            day = (await client.get("/v1/workload", params={"period": "day", "date": "2027-01-04"})).json()
            return bool(day["agents"] and day["agents"][0]["calls_handled"] == 1)

        await eventually(recorded, timeout=20)  # both events were consumed
        agent_now = (await client.get(f"/v1/agents/{agent}")).json()
        assert (agent_now["presence"], agent_now["presence_reason"]) == ("away", "break")
        await watcher.settle()
        assert len(watcher.of_type("agents.agent.presence_changed", agent)) == events
        # Logging out with a reason, re-sending it, switching vacation <-> leave.
        for body in (
            {"presence": "logged_out", "reason": "vacation"},
            {"presence": "logged_out", "reason": "vacation"},
            {"presence": "logged_out", "reason": "leave"},
            {"presence": "logged_out", "reason": "vacation"},
        ):
            r = await put(body)
            assert r.status_code == 200, (body, r.text)
            assert r.json()["presence_reason"] == body["reason"]
        await watcher.wait_for(lambda: len(watcher.of_type("agents.agent.presence_changed", agent)) == events + 3)
        await watcher.settle()
        assert len(watcher.of_type("agents.agent.presence_changed", agent)) == events + 3


async def test_a_call_answered_event_arriving_after_the_calls_completion_leaves_presence_alone(
    make_settings: Callable[..., Any], kafka_bootstrap: str
) -> None:
    """The chaos finding (issue 19): after the broker restarted empty, routing's relay sent the
    call's wrap-up and completion to the new broker before it re-published the older window, so
    the agents service read `answered` last and left the agent on a call that had ended."""
    settings: Settings = make_settings(Settings, run_feed_refresher=False)
    clock = ManualClock(oslo(2027, 1, 4, 9, 0))
    routing_topic = settings.topic(topics.ROUTING)
    async with (
        running_app(create_app(settings, clock=clock)) as client,
        TopicWatcher(kafka_bootstrap, settings.topic(topics.AGENTS)) as watcher,
    ):
        client.headers.update(auth(mint_token(tenant_id=TENANT, scopes="all")))
        agent = (await client.post("/v1/agents", json={"name": "Astrid Øvrebø"})).json()["id"]
        await client.put(f"/v1/agents/{agent}/presence", json={"presence": "available"})
        call = CallSnapshot(
            call_id=uuid.uuid4(),
            tenant_id=TENANT,
            cti_call_id="cti-late",
            state="answered",
            arrived_at=oslo(2027, 1, 4, 8, 59),
            answered_at=oslo(2027, 1, 4, 9, 0),
            agent_id=uuid.UUID(agent),
        )
        wrap = call.model_copy(update={"state": "wrap_up", "talk_ended_at": oslo(2027, 1, 4, 9, 2)})
        done = wrap.model_copy(update={"state": "completed", "completed_at": oslo(2027, 1, 4, 9, 2)})
        # The same call's key, so the same partition and this order: the late `answered`, then an
        # offer of the same call that timed out (moves an available agent away: the marker that
        # the late event has been read).
        timeout = OfferWithdrawn(call=done, offer_id=uuid.uuid4(), agent_id=uuid.UUID(agent), reason="timeout")
        await produce(
            kafka_bootstrap,
            routing_topic,
            [
                envelope(CallWrapUp(call=wrap), tenant=TENANT),
                envelope(CallCompleted(call=done), tenant=TENANT),
                envelope(CallAnswered(call=call), tenant=TENANT),
                envelope(timeout, tenant=TENANT, at=oslo(2027, 1, 4, 9, 3)),
            ],
        )

        def presences() -> list[tuple[str, str | None]]:
            return [
                (s.envelope.data["current"]["presence"], s.envelope.data["current"]["presence_reason"])
                for s in watcher.of_type("agents.agent.presence_changed", agent)
            ]

        await watcher.wait_for(lambda: len(presences()) >= 2, timeout=20)
        assert presences() == [("available", None), ("away", "not_responding")]
        clock.set(oslo(2027, 1, 4, 10, 0))
        day = (await client.get("/v1/workload", params={"period": "day", "date": "2027-01-04"})).json()
        assert day["agents"][0]["calls_handled"] == 1  # the call still counts, once
