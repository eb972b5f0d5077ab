"""Routing sharded by tenant: two instances on one broker and database, and a handover."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from frontdoor_common.bus.broker import free_port
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.events.agents import AgentPresenceChanged, AgentSnapshot, Presence, QueueMembership
from frontdoor_common.testing import auth, eventually, publish, serve_app
from frontdoor_routing.app import create_app
from frontdoor_routing.settings import Settings

from ..conftest import context_of

T1 = "5a5a5a5a-0000-4000-8000-000000000001"
T2 = "5a5a5a5a-0000-4000-8000-000000000002"


async def _agent(
    bus: KafkaBus, settings: Settings, tenant: str, agent: uuid.UUID, queue: str, presence: Presence
) -> None:
    now = datetime.now(UTC)
    snap = AgentSnapshot(
        agent_id=agent,
        tenant_id=tenant,
        name="x",
        presence=presence,
        presence_since=now,
        queues=[QueueMembership(queue_id=uuid.UUID(queue))],
    )
    event = AgentPresenceChanged(current=snap, at=now)
    await publish(bus.producer, settings.topic(event.topic), event, tenant=tenant, source="agents")


@pytest.mark.slow  # two shard processes and a handover
async def test_two_shards_route_their_own_tenants_and_a_handover_loses_no_call(
    make_settings: Callable[..., Settings], token_for: Callable[..., str]
) -> None:
    s1 = make_settings(Settings, tenants=[T1], shard="0", known_agent_preference_seconds=0)
    s2 = s1.model_copy(update={"tenants": [T2], "shard": "1", "port": free_port()})
    bus = KafkaBus(str(s1.kafka_bootstrap_servers), client_id="test")
    await bus.start()
    a1, a2 = uuid.uuid4(), uuid.uuid4()
    try:
        app1 = create_app(s1)
        async with serve_app(app1) as base1:
            app2 = create_app(s2)
            async with serve_app(app2) as base2:
                c1 = httpx.AsyncClient(base_url=base1, headers=auth(token_for(T1)))
                c2 = httpx.AsyncClient(base_url=base2, headers=auth(token_for(T2)))
                q1 = (await c1.post("/v1/queues", json={"name": "One", "ivr_digit": "1"})).json()["id"]
                q2 = (await c2.post("/v1/queues", json={"name": "Two", "ivr_digit": "1"})).json()["id"]
                # each shard refuses the other's tenant, without saying anything about its data
                async with httpx.AsyncClient(base_url=base1, headers=auth(token_for(T2))) as other:
                    wrong = await other.get("/v1/queues")
                assert wrong.status_code == 403 and wrong.json()["error_id"] == "tenant_not_served"
                await _agent(bus, s1, T1, a1, q1, "away")
                await _agent(bus, s1, T2, a2, q2, "available")
                engine2 = context_of(app2).engine
                await eventually(lambda: T2 in engine2.tenants and a2 in engine2.tenants[T2].agents)
                # (the consumers join behind the API: wait until shard 0 has seen its agent too)
                engine1 = context_of(app1).engine
                await eventually(lambda: T1 in engine1.tenants and a1 in engine1.tenants[T1].agents)
                assert T1 not in engine2.tenants
                offered = (await c2.post("/v1/calls", json={"cti_call_id": "x", "ivr_digit": "1"})).json()
                assert offered["outcome"] == "offered" and offered["call"]["agent_id"] == str(a2)
                waiting = (await c1.post("/v1/calls", json={"cti_call_id": "y", "ivr_digit": "1"})).json()
                assert waiting["outcome"] == "queued" and waiting["position"] == 1
                await c1.aclose()
                await c2.aclose()
        # Shard 0 is gone; its replacement takes over the same tenant from the same database.
        replacement = create_app(s1.model_copy(update={"port": free_port()}))
        async with serve_app(replacement) as base:
            c = httpx.AsyncClient(base_url=base, headers=auth(token_for(T1)))
            call_id = waiting["call"]["call_id"]
            still = (await c.get(f"/v1/calls/{call_id}")).json()
            assert still["outcome"] == "queued" and still["position"] == 1
            assert still["call"]["arrived_at"] == waiting["call"]["arrived_at"]
            await _agent(bus, s1, T1, a1, q1, "available")
            await eventually(
                lambda: context_of(replacement).engine.tenants[T1].router.offer_of(uuid.UUID(call_id)) is not None
            )
            await c.aclose()
    finally:
        await bus.stop()
