"""Real-time queue statistics and the KPI report (the arithmetic is `kpis.compute`)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import col

from frontdoor_common.errors import InvalidInput, NotFound
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.engine.mutation import Mutation
from frontdoor_routing.models import Call
from frontdoor_routing.stats import kpis
from frontdoor_routing.stats.schemas import (
    CHANNELS,
    AgentCounts,
    GroupBy,
    KpiReportView,
    KpiRow,
    QueueStatsView,
    QueueTasks,
    TaskKpiRow,
)
from frontdoor_routing.tasks.models import Task

MAX_REPORT_DAYS = 400


def agent_counts(m: Mutation, queue_id: uuid.UUID) -> AgentCounts:
    """The queue's members by what they are doing now."""
    counts = AgentCounts()
    for _agent_id, info, status in m.members(queue_id):
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
    return counts


async def queue_stats(engine: Engine, tenant_id: str, queue_id: uuid.UUID) -> QueueStatsView:
    """The queue now (waiting, agents, the estimate for a new caller) and today so far."""
    async with engine.reading(tenant_id) as m:
        queue = m.queue(queue_id)
        if queue is None:
            raise NotFound("No such queue.", error_id="queue_not_found")
        now = m.at
        waiting = await m.all(
            select(col(Call.arrived_at)).where(
                col(Call.tenant_id) == tenant_id,
                col(Call.queue_id) == queue_id,
                col(Call.state).in_(("queued", "offered")),
            )
        )
        counts = agent_counts(m, queue_id)
        # "Today" is the tenant's day (its time zone), not UTC's.
        midnight = now.astimezone(m.zone()).replace(hour=0, minute=0, second=0, microsecond=0)
        today = await m.all(
            select(Call).where(
                col(Call.tenant_id) == tenant_id,
                col(Call.original_queue_id) == queue_id,
                col(Call.arrived_at) >= midnight,
            )
        )
        # A new caller would stand behind everyone waiting: the same estimator as theirs.
        estimate = m.tenant.estimated_wait(queue_id, m.waiting_count(queue_id) + 1)
        tasks = await _queue_tasks(m, tenant_id, queue_id, midnight)
        return QueueStatsView(
            queue_id=queue_id,
            open=m.tenant.open and queue.open,
            waiting=len(waiting),
            longest_wait_seconds=round(max(((now - a).total_seconds() for a in waiting), default=0.0), 1),
            agents=counts,
            today=kpis.compute(today, queue.service_level_seconds),
            estimated_wait_seconds=estimate,
            estimate_basis="position",
            tasks=tasks,
        )


async def _queue_tasks(m: Mutation, tenant_id: str, queue_id: uuid.UUID, midnight: datetime) -> QueueTasks:
    """The queue's tasks now (waiting, offered, held) and today's task KPIs by channel."""
    now = m.at
    rows = await m.all(
        select(Task).where(
            col(Task.tenant_id) == tenant_id,
            col(Task.queue_id) == queue_id,
            col(Task.state).in_(("queued", "offered", "accepted")),
        )
    )
    today = await m.all(
        select(Task).where(
            col(Task.tenant_id) == tenant_id, col(Task.queue_id) == queue_id, col(Task.received_at) >= midnight
        )
    )
    waiting = [t.received_at for t in rows if t.state == "queued"]
    return QueueTasks(
        waiting=len(waiting),
        offered=sum(1 for t in rows if t.state == "offered"),
        held=sum(1 for t in rows if t.state == "accepted"),
        oldest_waiting_seconds=round(max(((now - a).total_seconds() for a in waiting), default=0.0), 1),
        today={ch: kpis.compute_tasks([t for t in today if t.channel == ch], now) for ch in CHANNELS},
    )


async def kpi_report(
    engine: Engine,
    tenant_id: str,
    *,
    now: datetime,
    start: datetime | None,
    end: datetime | None,
    queue_id: uuid.UUID | None,
    group_by: GroupBy,
) -> KpiReportView:
    """KPIs of the calls that arrived in [start, end) (default: today so far, the tenant's day),
    by queue and/or local day or hour."""
    async with engine.reading(tenant_id) as m:
        zone = m.zone()  # days and hours are the tenant's local ones
    start = start or now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    end = end or now
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(
            "Times need a zone (RFC 3339).", error_id="naive_time", field="from" if start.tzinfo is None else "to"
        )
    if end <= start:
        raise InvalidInput("'to' must be after 'from'.", error_id="empty_period", field="to")
    if end - start > timedelta(days=MAX_REPORT_DAYS):
        raise InvalidInput(f"At most {MAX_REPORT_DAYS} days per report.", error_id="period_too_long", field="to")
    async with engine.reading(tenant_id) as m:
        query = select(Call).where(
            col(Call.tenant_id) == tenant_id, col(Call.arrived_at) >= start, col(Call.arrived_at) < end
        )
        if queue_id is not None:
            query = query.where(col(Call.original_queue_id) == queue_id)
        calls = await m.all(query)
        task_query = select(Task).where(
            col(Task.tenant_id) == tenant_id, col(Task.received_at) >= start, col(Task.received_at) < end
        )
        if queue_id is not None:
            task_query = task_query.where(col(Task.queue_id) == queue_id)
        tasks = await m.all(task_query)
    buckets: dict[tuple[uuid.UUID | None, datetime | None], list[Call]] = defaultdict(list)

    def _period(at: datetime) -> datetime | None:
        local = at.astimezone(zone)
        if group_by.endswith("day"):
            return local.replace(hour=0, minute=0, second=0, microsecond=0)
        if group_by.endswith("hour"):
            return local.replace(minute=0, second=0, microsecond=0)
        return None

    for c in calls:
        q = c.original_queue_id if group_by.startswith("queue") else None
        buckets[(q, _period(c.arrived_at))].append(c)
    rows = [
        KpiRow(
            queue_id=q,
            period_start=p,
            callbacks=kpis.compute(items, kind="callback"),
            **kpis.compute(items).model_dump(),
        )
        for (q, p), items in sorted(buckets.items(), key=lambda kv: (str(kv[0][0]), kv[0][1] or start))
    ]
    judged_at = min(end, now)  # open tasks are past target or not as of the report's end
    task_buckets: dict[tuple[str, uuid.UUID | None, datetime | None], list[Task]] = defaultdict(list)
    for t in tasks:
        task_buckets[(t.channel, t.queue_id if group_by.startswith("queue") else None, _period(t.received_at))].append(
            t
        )
    channel_rows = [
        TaskKpiRow(channel=ch, queue_id=q, period_start=p, **kpis.compute_tasks(items, judged_at).model_dump())
        for (ch, q, p), items in sorted(
            task_buckets.items(), key=lambda kv: (kv[0][0], str(kv[0][1]), kv[0][2] or start)
        )
        if ch in CHANNELS
    ]
    return KpiReportView(
        from_=start,
        to=end,
        group_by=group_by,
        total=kpis.compute(calls),
        rows=rows,
        callbacks=kpis.compute(calls, kind="callback"),
        channels={ch: kpis.compute_tasks([t for t in tasks if t.channel == ch], judged_at) for ch in CHANNELS},
        channel_rows=channel_rows,
    )
