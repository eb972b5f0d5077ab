"""Queries on the audit log."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.audit.models import PersonalDataRead


async def reads_of(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, limit: int, offset: int = 0
) -> list[PersonalDataRead]:
    """The latest reads of a member's personal data."""
    result = await session.scalars(
        select(PersonalDataRead)
        .where(col(PersonalDataRead.tenant_id) == tenant_id, col(PersonalDataRead.member_id) == member_id)
        .order_by(col(PersonalDataRead.at).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(result)
