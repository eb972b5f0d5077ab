"""Real-time queue statistics and the KPI report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from frontdoor_routing.auth import Reader
from frontdoor_routing.context import ContextDep
from frontdoor_routing.stats import service
from frontdoor_routing.stats.schemas import GroupBy, KpiReportView, QueueStatsView

router = APIRouter(tags=["statistics"])


@router.get("/v1/queues/{queue_id}/stats", response_model=QueueStatsView, summary="The queue now, and today so far")
async def queue_stats(queue_id: uuid.UUID, ctx: ContextDep, principal: Reader) -> QueueStatsView:
    return await service.queue_stats(ctx.engine, principal.tenant_id, queue_id)


@router.get(
    "/v1/kpis",
    response_model=KpiReportView,
    response_model_by_alias=True,
    summary="KPIs by queue and period (definitions in the README)",
)
async def kpi_report(
    ctx: ContextDep,
    principal: Reader,
    from_: Annotated[
        datetime | None, Query(alias="from", description="RFC 3339; default: today 00:00 in the tenant's time zone")
    ] = None,
    to: Annotated[datetime | None, Query(description="RFC 3339; default: now")] = None,
    queue_id: uuid.UUID | None = None,
    group_by: Annotated[GroupBy, Query(description="How rows are grouped")] = "queue",
) -> KpiReportView:
    return await service.kpi_report(
        ctx.engine,
        principal.tenant_id,
        now=ctx.clock.now(),
        start=from_,
        end=to,
        queue_id=queue_id,
        group_by=group_by,
    )
