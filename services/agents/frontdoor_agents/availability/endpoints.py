"""Computed availability: `GET /v1/agents/{id}/availability?from=&to=`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from frontdoor_agents.agents.service import agent_or_404
from frontdoor_agents.availability.schemas import AvailabilityInterval, AvailabilityOut
from frontdoor_agents.availability.service import timelines
from frontdoor_agents.deps import Reader, clock_of
from frontdoor_agents.hours.repository import get_config
from frontdoor_agents.hours.service import tz_of, window_limit
from frontdoor_common.service import RuntimeDep, SessionDep

router = APIRouter(tags=["availability"])


@router.get(
    "/v1/agents/{agent_id}/availability",
    response_model=AvailabilityOut,
    summary="The agent's computed availability intervals (calendar, all-day events, working hours)",
)
async def get_availability(
    agent_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    from_: Annotated[AwareDatetime | None, Query(alias="from", description="RFC 3339; default now")] = None,
    to: Annotated[AwareDatetime | None, Query(description="RFC 3339; default one day after from")] = None,
) -> AvailabilityOut:
    """The agent's computed availability intervals (calendar, all-day events, working hours)."""
    start = from_ or clock_of(runtime).now()
    end = to or start + timedelta(days=1)
    window_limit(start, end, days=62)
    agent = await agent_or_404(session, principal.tenant_id, agent_id)
    cfg = await get_config(session, principal.tenant_id)
    line = (await timelines(session, [agent], tz_of(cfg), start, end))[agent.id]
    intervals = [AvailabilityInterval(start=s.start, end=s.end, available=not s.on, reason=s.reason) for s in line]
    return AvailabilityOut(
        agent_id=agent.id,
        timezone=cfg.timezone,
        start=start,
        end=end,
        intervals=intervals,
        available_seconds=sum((s.end - s.start).total_seconds() for s in line if not s.on),
    )
