"""The agents' events routing applies: the replica row, the tenant's tables and the core follow."""

from __future__ import annotations

import uuid
from typing import Any

from frontdoor_common.events.agents import AgentPresenceChanged, AgentQueuesChanged, AgentSnapshot
from frontdoor_routing.calls.identification import Identification
from frontdoor_routing.calls.schemas import CallCreate
from frontdoor_routing.calls.service import arrive
from frontdoor_routing.models import AgentView

from ..conftest import OTHER_TENANT, TENANT, Rig


def _snapshot(
    rig: Rig, agent: uuid.UUID, queues: dict[uuid.UUID, int], tenant: str = TENANT, **kw: Any
) -> AgentSnapshot:
    return AgentSnapshot.model_validate(
        {
            "agent_id": agent,
            "tenant_id": tenant,
            "name": "Ada",
            "presence_since": rig.clock.now(),
            "queues": [{"queue_id": q, "proficiency": p} for q, p in queues.items()],
            **kw,
        }
    )


async def test_an_agents_presence_and_queues_reach_the_replica_and_the_core(rig: Rig) -> None:
    one, two = await rig.queue(ivr_digit="1"), await rig.queue(ivr_digit="2")
    ada = uuid.uuid4()
    snap = _snapshot(rig, ada, {one: 5}, presence="away")
    await rig.deliver(AgentPresenceChanged(current=snap, at=rig.clock.now()))
    tenant = rig.tenant()
    assert tenant.agents[ada].presence == "away" and tenant.staffed(one) == 1
    assert tenant.router.agent_status(ada) == "unavailable"

    waiting, _ = await arrive(rig.engine, TENANT, CallCreate(cti_call_id="w", ivr_digit="1"), Identification())
    assert waiting.outcome == "queued"
    rig.clock.advance(seconds=5)
    back = snap.model_copy(update={"presence": "available", "presence_since": rig.clock.now()})
    await rig.deliver(AgentPresenceChanged(current=back, at=rig.clock.now()))
    assert tenant.router.agent_status(ada) == "offered"  # and the waiting call is offered at once
    assert tenant.router.offer_of(waiting.call.call_id) is not None

    moved = back.model_copy(update={"queues": _snapshot(rig, ada, {two: 2}).queues})
    await rig.deliver(AgentQueuesChanged(current=moved, at=rig.clock.now()))
    assert tenant.agents[ada].queues == {two: 2} and tenant.staffed(one) == 0 and tenant.staffed(two) == 1
    async with rig.db.snapshot() as session:
        view = await session.get(AgentView, ada)
    assert (
        view is not None
        and view.presence == "available"
        and view.queues == [{"queue_id": str(two), "proficiency": 2, "order": 0}]
    )


async def test_an_agent_id_of_another_tenant_is_never_taken_over(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    ada = await rig.agent({q: 3})
    theirs = _snapshot(rig, ada, {}, tenant=OTHER_TENANT, presence="logged_out")
    await rig.deliver(AgentPresenceChanged(current=theirs, at=rig.clock.now()), tenant=OTHER_TENANT)
    assert rig.tenant().agents[ada].presence == "available"
    async with rig.db.snapshot() as session:
        view = await session.get(AgentView, ada)
    assert view is not None and view.tenant_id == TENANT and view.presence == "available"
