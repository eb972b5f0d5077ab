"""Computed availability: `GET /v1/agents/{id}/availability?from=&to=`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from frontdoor_agents.availability import service
from frontdoor_agents.availability.schemas import AvailabilityView
from frontdoor_agents.context import ContextDep
from frontdoor_agents.deps import Reader
from frontdoor_common.service import SessionDep

router = APIRouter(tags=["availability"])


@router.get(
    "/v1/agents/{agent_id}/availability",
    response_model=AvailabilityView,
    summary="The agent's computed availability intervals (calendar, all-day events, working hours)",
)
async def get_availability(
    agent_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    principal: Reader,
    from_: Annotated[AwareDatetime | None, Query(alias="from", description="RFC 3339; default now")] = None,
    to: Annotated[AwareDatetime | None, Query(description="RFC 3339; default one day after from")] = None,
) -> AvailabilityView:
    """The agent's computed availability intervals (calendar, all-day events, working hours)."""
    start = from_ or ctx.clock.now()
    end = to or start + timedelta(days=1)
    return await service.availability(session, principal.tenant_id, agent_id, start, end, ctx.settings)
