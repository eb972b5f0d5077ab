"""Queries on the audit log."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_members.audit.models import PersonalDataRead


async def reads_of(session: AsyncSession, tenant_id: str, member_id: uuid.UUID, limit: int) -> list[PersonalDataRead]:
    """The latest reads of a member's personal data."""
    result = await session.scalars(
        select(PersonalDataRead)
        .where(PersonalDataRead.tenant_id == tenant_id, PersonalDataRead.member_id == member_id)
        .order_by(PersonalDataRead.at.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    return list(result)
