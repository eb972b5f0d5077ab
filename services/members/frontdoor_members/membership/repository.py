"""Queries on membership changes."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.membership.models import MembershipChange


async def get(session: AsyncSession, tenant_id: str, change_id: uuid.UUID) -> MembershipChange | None:
    """One of the tenant's changes."""
    found = await session.get(MembershipChange, change_id)
    return found if found is not None and found.tenant_id == tenant_id else None


async def of_member(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, offset: int = 0, limit: int = 100
) -> list[MembershipChange]:
    """A member's changes, newest first."""
    result = await session.scalars(
        select(MembershipChange)
        .where(col(MembershipChange.tenant_id) == tenant_id, col(MembershipChange.member_id) == member_id)
        .order_by(col(MembershipChange.created_at).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(result)


async def pending(session: AsyncSession, tenant_id: str, member_id: uuid.UUID, kind: str) -> MembershipChange | None:
    """The member's open change of this kind."""
    result = await session.scalars(
        select(MembershipChange).where(
            col(MembershipChange.tenant_id) == tenant_id,
            col(MembershipChange.member_id) == member_id,
            col(MembershipChange.kind) == kind,
            col(MembershipChange.status) == "awaiting_confirmation",
        )
    )
    return result.first()
