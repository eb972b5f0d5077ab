"""Queries on forwards, their mail and follow-ups (always scoped by tenant)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.forwards.models import FollowUp, Forward, OutgoingMail


async def forward(session: AsyncSession, tenant_id: str, forward_id: uuid.UUID) -> Forward | None:
    """The tenant's forward."""
    result = await session.scalars(
        select(Forward).where(col(Forward.tenant_id) == tenant_id, col(Forward.id) == forward_id)
    )
    return result.first()


async def mail_of(session: AsyncSession, forward_id: uuid.UUID) -> OutgoingMail | None:
    """The mail carrying a forward."""
    return (await session.scalars(select(OutgoingMail).where(col(OutgoingMail.forward_id) == forward_id))).first()


async def mails_of(session: AsyncSession, forward_ids: list[uuid.UUID]) -> dict[uuid.UUID, OutgoingMail]:
    """The mails carrying these forwards, by forward id."""
    if not forward_ids:
        return {}
    rows = await session.scalars(select(OutgoingMail).where(col(OutgoingMail.forward_id).in_(forward_ids)))
    return {m.forward_id: m for m in rows if m.forward_id is not None}


async def forwards(
    session: AsyncSession, tenant_id: str, *, statuses: list[str] | None, offset: int, limit: int
) -> list[Forward]:
    """A page of the tenant's forwards, newest first, whose mail is in one of `statuses`."""
    query = select(Forward).where(col(Forward.tenant_id) == tenant_id)
    if statuses is not None:
        query = query.join(OutgoingMail, col(OutgoingMail.forward_id) == col(Forward.id)).where(
            col(OutgoingMail.status).in_(statuses)
        )
    query = query.order_by(col(Forward.created_at).desc(), col(Forward.id)).offset(offset).limit(limit)
    return list(await session.scalars(query))


async def followup(session: AsyncSession, tenant_id: str, followup_id: uuid.UUID) -> FollowUp | None:
    """The tenant's follow-up."""
    result = await session.scalars(
        select(FollowUp).where(col(FollowUp.tenant_id) == tenant_id, col(FollowUp.id) == followup_id)
    )
    return result.first()


async def followup_of(session: AsyncSession, forward_id: uuid.UUID) -> FollowUp | None:
    """The follow-up a forward recorded."""
    return (await session.scalars(select(FollowUp).where(col(FollowUp.forward_id) == forward_id))).first()


async def followups_of(session: AsyncSession, forward_ids: list[uuid.UUID]) -> dict[uuid.UUID, FollowUp]:
    """The follow-ups these forwards recorded, by forward id."""
    if not forward_ids:
        return {}
    rows = await session.scalars(select(FollowUp).where(col(FollowUp.forward_id).in_(forward_ids)))
    return {f.forward_id: f for f in rows if f.forward_id is not None}


async def followups(
    session: AsyncSession, tenant_id: str, *, status: str | None, offset: int, limit: int
) -> list[FollowUp]:
    """A page of the tenant's follow-ups, the soonest escalation first."""
    query = select(FollowUp).where(col(FollowUp.tenant_id) == tenant_id)
    if status is not None:
        query = query.where(col(FollowUp.status) == status)
    query = query.order_by(col(FollowUp.escalate_at), col(FollowUp.id)).offset(offset).limit(limit)
    return list(await session.scalars(query))
