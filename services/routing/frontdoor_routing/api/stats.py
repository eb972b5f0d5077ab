"""Real-time queue statistics and the KPI report."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from frontdoor_common.errors import InvalidInput, NotFound
from frontdoor_routing import kpis
from frontdoor_routing.api.deps import EngineDep, Reader
from frontdoor_routing.models import Call
from frontdoor_routing.planning.erlang import erlang_c
from frontdoor_routing.schemas import AgentCounts, KpiReport, KpiRow, QueueStats

router = APIRouter(tags=["statistics"])


@router.get("/v1/queues/{queue_id}/stats", response_model=QueueStats, summary="The queue now, and today so far")
async def queue_stats(queue_id: uuid.UUID, engine: EngineDep, principal: Reader) -> QueueStats:
    async with engine.reading(principal.tenant_id) as m:
        queue = m.tenant.queues.get(queue_id)
        if queue is None:
            raise NotFound("No such queue.", error_id="queue_not_found")
        now = m.at
        waiting = list(
            (
                await m.session.execute(
                    select(Call.arrived_at).where(
                        Call.tenant_id == m.tenant.tenant_id,
                        Call.queue_id == queue_id,
                        Call.state.in_(("queued", "offered")),
                    )
                )
            ).scalars()
        )
        counts = AgentCounts()
        for agent_id in m.router.agents_in(queue_id):
            info = m.tenant.agents.get(agent_id)  # type: ignore[call-overload]
            status = m.router.agent_status(agent_id)
            if info is None or info.presence == "logged_out":
                counts.logged_out += 1
            elif status == "offered":
                counts.offered += 1
            elif status == "busy":
                counts.on_call += 1
            elif status == "wrap_up":
                counts.wrap_up += 1
            elif status == "idle":
                counts.available += 1
            else:
                counts.away += 1
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        today = list(
            (
                await m.session.execute(
                    select(Call).where(
                        Call.tenant_id == m.tenant.tenant_id,
                        Call.original_queue_id == queue_id,
                        Call.arrived_at >= midnight,
                    )
                )
            ).scalars()
        )
        # A new caller's wait: Erlang C over the last half hour's arrivals, the queue's staff
        # and the recent handle time; rounds of staff by position when the queue is overloaded.
        recent = sum(1 for c in today if c.queued_at is not None and (now - c.queued_at).total_seconds() <= 1800)
        staff = m.tenant.staffed(queue_id)
        estimate, basis = m.tenant.estimated_wait(queue_id, len(waiting) + 1), "position"
        if staff and recent:
            figures = erlang_c(recent / 1800.0, m.tenant.aht_seconds, staff, queue.service_level_seconds)
            if figures.asa_seconds != float("inf"):
                estimate, basis = int(5 * round(figures.asa_seconds / 5)), "erlang_c"
        return QueueStats(
            queue_id=queue_id,
            open=m.tenant.open and queue.open,
            waiting=len(waiting),
            longest_wait_seconds=round(max(((now - a).total_seconds() for a in waiting), default=0.0), 1),
            agents=counts,
            today=kpis.compute(today, queue.service_level_seconds),
            estimated_wait_seconds=estimate,
            estimate_basis=basis,
        )


@router.get(
    "/v1/kpis",
    response_model=KpiReport,
    response_model_by_alias=True,
    summary="KPIs by queue and period (definitions in the README)",
)
async def kpi_report(
    engine: EngineDep,
    principal: Reader,
    from_: Annotated[datetime | None, Query(alias="from", description="RFC 3339; default: today 00:00 UTC")] = None,
    to: Annotated[datetime | None, Query(description="RFC 3339; default: now")] = None,
    queue_id: uuid.UUID | None = None,
    group_by: Annotated[
        Literal["queue", "day", "hour", "queue_day", "queue_hour", "none"], Query(description="How rows are grouped")
    ] = "queue",
) -> KpiReport:
    now = datetime.now(UTC)
    start = from_ or now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = to or now
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(
            "Times need a zone (RFC 3339).", error_id="naive_time", field="from" if start.tzinfo is None else "to"
        )
    if end <= start:
        raise InvalidInput("'to' must be after 'from'.", error_id="empty_period", field="to")
    if end - start > timedelta(days=400):
        raise InvalidInput("At most 400 days per report.", error_id="period_too_long", field="to")
    async with engine.reading(principal.tenant_id) as m:
        query = select(Call).where(
            Call.tenant_id == principal.tenant_id, Call.arrived_at >= start, Call.arrived_at < end
        )
        if queue_id is not None:
            query = query.where(Call.original_queue_id == queue_id)
        calls = list((await m.session.execute(query)).scalars())
    buckets: dict[tuple[uuid.UUID | None, datetime | None], list[Call]] = defaultdict(list)
    for c in calls:
        q = c.original_queue_id if group_by.startswith("queue") else None
        period: datetime | None = None
        if group_by.endswith("day"):
            period = c.arrived_at.replace(hour=0, minute=0, second=0, microsecond=0)
        elif group_by.endswith("hour"):
            period = c.arrived_at.replace(minute=0, second=0, microsecond=0)
        buckets[(q, period)].append(c)
    rows = [
        KpiRow(queue_id=q, period_start=p, **kpis.compute(items).model_dump())
        for (q, p), items in sorted(buckets.items(), key=lambda kv: (str(kv[0][0]), kv[0][1] or start))
    ]
    return KpiReport(**{"from": start}, to=end, group_by=group_by, total=kpis.compute(calls), rows=rows)
