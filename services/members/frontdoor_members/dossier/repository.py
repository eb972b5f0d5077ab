"""Queries on the dossier."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.dossier.models import DossierEntry


async def entries(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, kind: str | None, offset: int = 0, limit: int
) -> list[DossierEntry]:
    """A member's entries, newest first."""
    query = select(DossierEntry).where(
        col(DossierEntry.tenant_id) == tenant_id, col(DossierEntry.member_id) == member_id
    )
    if kind is not None:
        query = query.where(col(DossierEntry.kind) == kind)
    result = await session.scalars(
        query.order_by(col(DossierEntry.occurred_at).desc(), col(DossierEntry.created_at).desc())
        .offset(offset)
        .limit(limit)
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
    query = select(col(DossierEntry.id)).where(col(DossierEntry.tenant_id) == tenant_id, col(DossierEntry.kind) == kind)
    if call_id is not None:
        query = query.where(col(DossierEntry.call_id) == call_id)
    if source_event_id is not None:
        query = query.where(col(DossierEntry.source_event_id) == source_event_id)
    return (await session.scalars(query.limit(1))).first() is not None
