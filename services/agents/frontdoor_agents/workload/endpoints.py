"""Workload: `GET /v1/workload?period=day|week&date=`."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter

from frontdoor_agents.deps import Reader, clock_of
from frontdoor_agents.hours.repository import get_config
from frontdoor_agents.hours.service import tz_of
from frontdoor_agents.workload import service
from frontdoor_agents.workload.schemas import WorkloadOut
from frontdoor_common.service import RuntimeDep, SessionDep

router = APIRouter(tags=["workload"])


@router.get(
    "/v1/workload",
    response_model=WorkloadOut,
    summary="Workload per agent and team: logged-in, talk, wrap-up, away by reason, calls, occupancy, share of target",
)
async def get_workload(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    period: Literal["day", "week"] = "day",
    date: dt.date | None = None,
) -> WorkloadOut:
    """Workload per agent and team: logged-in, talk, wrap-up, away by reason, calls, occupancy, share of target."""
    now = clock_of(runtime).now()
    day = date or now.astimezone(tz_of(await get_config(session, principal.tenant_id))).date()
    return await service.workload(session, principal.tenant_id, period, day, now)
