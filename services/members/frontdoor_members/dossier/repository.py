"""Queries on the dossier."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_members.dossier.models import DossierEntry


async def entries(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, kind: str | None, limit: int
) -> list[DossierEntry]:
    """A member's entries, newest first."""
    query = select(DossierEntry).where(DossierEntry.tenant_id == tenant_id, DossierEntry.member_id == member_id)
    if kind is not None:
        query = query.where(DossierEntry.kind == kind)
    result = await session.scalars(
        query.order_by(DossierEntry.occurred_at.desc(), DossierEntry.created_at.desc()).limit(limit)  # type: ignore[attr-defined]
    )
    return list(result)


async def exists_for(
    session: AsyncSession,
    tenant_id: str,
    kind: str,
    *,
    call_id: uuid.UUID | None = None,
    source_event_id: str | None = None,
) -> bool:
    """Whether an entry of `kind` for this call (or from this event) exists."""
    query = select(DossierEntry.id).where(DossierEntry.tenant_id == tenant_id, DossierEntry.kind == kind)
    if call_id is not None:
        query = query.where(DossierEntry.call_id == call_id)
    if source_event_id is not None:
        query = query.where(DossierEntry.source_event_id == source_event_id)
    return (await session.scalars(query.limit(1))).first() is not None


async def with_reason_since(
    session: AsyncSession, tenant_id: str, since: datetime, until: datetime
) -> list[tuple[datetime, str, uuid.UUID | None]]:
    """(when, reason, department) of entries with a reason in [since, until)."""
    result = await session.execute(
        select(DossierEntry.occurred_at, DossierEntry.reason, DossierEntry.department_id).where(
            DossierEntry.tenant_id == tenant_id,
            DossierEntry.reason.is_not(None),  # type: ignore[union-attr]
            DossierEntry.occurred_at >= since,  # type: ignore[operator]
            DossierEntry.occurred_at < until,  # type: ignore[operator]
        )
    )
    return [(at, reason, dept) for at, reason, dept in result.all()]
