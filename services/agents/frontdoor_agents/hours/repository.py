"""Reading tenant settings, closures and the queue replica."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.models import Closure, Queue, TenantConfig

DEFAULT_TIMEZONE = "Europe/Oslo"
DEFAULT_COUNTRY = "NO"
DEFAULT_OPENING_HOURS = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "15:30"}]
DEFAULT_AWAY_REASONS = ["break", "lunch", "meeting", "training", "admin", "not_responding", "other"]


async def get_config(session: AsyncSession, tenant: str) -> TenantConfig:
    """The tenant's settings; defaults (not stored, no `updated_at`) when the tenant never set any."""
    cfg = await session.get(TenantConfig, tenant)
    if cfg is None:
        cfg = TenantConfig(
            tenant_id=tenant,
            timezone=DEFAULT_TIMEZONE,
            country=DEFAULT_COUNTRY,
            away_reasons=list(DEFAULT_AWAY_REASONS),
            opening_hours=list(DEFAULT_OPENING_HOURS),
        )
    return cfg


async def get_queue(session: AsyncSession, tenant: str, queue_id: uuid.UUID) -> Queue | None:
    """A queue of the tenant's, from the replica."""
    queue = await session.get(Queue, queue_id)
    return queue if queue is not None and queue.tenant_id == tenant else None


async def list_queues(session: AsyncSession, tenant: str) -> list[Queue]:
    """The tenant's active queues."""
    rows = await session.scalars(select(Queue).where(Queue.tenant_id == tenant, col(Queue.active).is_(True)))
    return list(rows)


async def queue_tenants(session: AsyncSession) -> list[str]:
    """Every tenant with queues in the replica."""
    return list(await session.scalars(select(col(Queue.tenant_id)).distinct()))


async def closures_for(
    session: AsyncSession, tenant: str, queue_id: uuid.UUID | None, start: datetime, end: datetime
) -> list[Closure]:
    """The tenant-wide closures and the queue's own, overlapping [start, end)."""
    scope: ColumnElement[bool] = col(Closure.queue_id).is_(None)
    if queue_id is not None:
        scope = or_(scope, col(Closure.queue_id) == queue_id)
    rows = await session.scalars(
        select(Closure).where(
            Closure.tenant_id == tenant, scope, col(Closure.end_at) > start, col(Closure.start_at) < end
        )
    )
    return list(rows)


async def list_closures(session: AsyncSession, tenant: str) -> list[Closure]:
    """Every closure of the tenant."""
    rows = await session.scalars(select(Closure).where(Closure.tenant_id == tenant).order_by(col(Closure.start_at)))
    return list(rows)
