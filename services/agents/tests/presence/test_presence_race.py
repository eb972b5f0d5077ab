"""A person's presence change and a call event of routing's handled at the same moment: the later
transaction decides from what the earlier one stored, so neither undoes the other (on PostgreSQL,
where the two run at once; SQLite serialises them)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from frontdoor_agents.agents.service import agent_or_404
from frontdoor_agents.presence.service import request_change
from frontdoor_agents.routing_events import build_router
from frontdoor_agents.testing import context_of, envelope
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.routing import CallAnswered, CallSnapshot

from ..conftest import TENANT


async def test_a_break_taken_while_the_calls_answered_event_is_handled_is_kept(
    app: FastAPI, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    team = (await client.post("/v1/teams", json={"name": "Loop 1", "target_calls_per_day": 40})).json()
    agent = (await client.post("/v1/agents", json={"name": "Ingrid Bakkevold", "team_id": team["id"]})).json()["id"]
    assert (await client.put(f"/v1/agents/{agent}/presence", json={"presence": "available"})).status_code == 200
    available_at = clock.now()
    clock.advance(timedelta(minutes=1))
    # A call she answered before her break (its event is handled only now: the mirror lags)
    call = CallSnapshot(
        call_id=uuid.uuid4(),
        tenant_id=TENANT,
        cti_call_id="cti-race",
        state="answered",
        arrived_at=available_at + timedelta(seconds=20),
        answered_at=available_at + timedelta(seconds=30),
        agent_id=uuid.UUID(agent),
    )
    ctx = context_of(app)
    router = build_router(ctx)
    answered = envelope(CallAnswered(call=call), tenant=TENANT)

    async def handle() -> Any:
        async with ctx.db.transaction() as session:
            await router(session, answered)

    async with ctx.db.transaction() as person:
        row = await agent_or_404(person, TENANT, uuid.UUID(agent), for_update=True)
        await request_change(person, ctx.notifier, row, "away", "break", clock.now())
        handling = asyncio.create_task(handle())
        # the event's transaction starts meanwhile: unlocked, it would read her as available
        await asyncio.sleep(0.5)
        assert not handling.done()
    await handling
    view = (await client.get(f"/v1/agents/{agent}")).json()
    assert (view["presence"], view["presence_reason"]) == ("away", "break"), view
