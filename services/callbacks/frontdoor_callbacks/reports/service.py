"""Builds the report from the callbacks table (pure arithmetic on top of two reads)."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.callbacks.models import WAITING_STATUSES
from frontdoor_callbacks.callbacks.repository import CallbackRepository
from frontdoor_callbacks.context import CallbacksContext
from frontdoor_callbacks.reports.schemas import CallbackReportView, DurationsView
from frontdoor_callbacks.tenants.repository import TenantRepository
from frontdoor_common.errors import InvalidInput


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank) of values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def durations(values: list[float]) -> DurationsView:
    """Count, mean, p50 and p90."""
    return DurationsView(
        count=len(values),
        mean=sum(values) / len(values) if values else None,
        p50=percentile(values, 50),
        p90=percentile(values, 90),
    )


async def build_report(
    session: AsyncSession,
    ctx: CallbacksContext,
    tenant_id: str,
    start: datetime | None,
    end: datetime | None,
    queue_id: uuid.UUID | None,
) -> CallbackReportView:
    """The tenant's report for [start, end); by default today so far, the day being the tenant's."""
    if end is None:
        end = ctx.clock.now()
    if start is None:
        # The start of the local day `end` falls in (an end at midnight closes the day before).
        zone = await TenantRepository(session).zone(tenant_id, ctx.settings)
        local = (end - timedelta(microseconds=1)).astimezone(zone)
        start = datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(UTC)
    if end <= start:
        raise InvalidInput("The period ends before it starts.", error_id="invalid_period", field="to")
    now = ctx.clock.now()
    overdue_before = now - timedelta(seconds=ctx.settings.overdue_after_s)
    repo = CallbackRepository(session)
    open_now = await repo.open_callbacks(tenant_id, queue_id)
    due = [
        c for c in open_now if c.status in ("dispatched", "in_progress") or (c.due_at is not None and c.due_at <= now)
    ]
    overdue = [
        c for c in open_now if c.status in WAITING_STATUSES and c.due_at is not None and c.due_at < overdue_before
    ]
    rows = await repo.in_period(tenant_id, start, end, queue_id)
    closed = [c for c in rows if c.closed_at is not None and start <= c.closed_at < end]
    completed = [c for c in closed if c.status == "completed"]
    unreached = [c for c in closed if c.status in ("expired", "failed")]
    finished = len(completed) + len(unreached)
    return CallbackReportView(
        period_from=start,
        period_to=end,
        queue_id=queue_id,
        generated_at=now,
        pending=len(open_now),
        due=len(due),
        overdue=len(overdue),
        at_risk=sum(1 for c in open_now if c.at_risk),
        requested=sum(1 for c in rows if start <= c.requested_at < end),
        completed=len(completed),
        expired=len(unreached),
        success_rate=len(completed) / finished if finished else None,
        deadlines_missed=sum(1 for c in unreached if c.closed_reason == "deadline_passed"),
        time_to_callback_seconds=durations(
            [(c.closed_at - c.requested_at).total_seconds() for c in completed if c.closed_at is not None]
        ),
    )
