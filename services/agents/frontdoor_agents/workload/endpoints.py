"""Workload: `GET /v1/workload?period=day|week&date=`."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter

from frontdoor_agents.context import ContextDep
from frontdoor_agents.deps import Reader
from frontdoor_agents.workload import service
from frontdoor_agents.workload.schemas import WorkloadView
from frontdoor_common.service import SessionDep

router = APIRouter(tags=["workload"])


@router.get(
    "/v1/workload",
    response_model=WorkloadView,
    summary="Workload per agent and team: logged-in, talk, wrap-up, away by reason, calls, occupancy, share of target",
)
async def get_workload(
    session: SessionDep,
    ctx: ContextDep,
    principal: Reader,
    period: service.Period = "day",
    date: dt.date | None = None,
) -> WorkloadView:
    """Workload per agent and team: logged-in, talk, wrap-up, away by reason, calls, occupancy, share of target."""
    return await service.workload(session, principal.tenant_id, period, date, ctx.clock.now())
