"""Reads of the notices, every one scoped by tenant."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_members.members.models import MemberPhone
from frontdoor_members.notices.models import MemberNotice


async def pending(session: AsyncSession, tenant_id: str, subject_id: uuid.UUID, kind: str) -> list[MemberNotice]:
    """The subject's notices of `kind` not withdrawn (sent or not: the gateway knows)."""
    rows = await session.execute(
        select(MemberNotice).where(
            col(MemberNotice.tenant_id) == tenant_id,
            col(MemberNotice.subject_id) == subject_id,
            col(MemberNotice.kind) == kind,
            col(MemberNotice.status) == "requested",
        )
    )
    return list(rows.scalars().all())


async def mobile(session: AsyncSession, tenant_id: str, member_id: uuid.UUID) -> str | None:
    """The member's first mobile number (E.164), if they have one."""
    found = await session.scalar(
        select(col(MemberPhone.e164))
        .where(
            col(MemberPhone.tenant_id) == tenant_id,
            col(MemberPhone.member_id) == member_id,
            col(MemberPhone.kind) == "mobile",
        )
        .order_by(col(MemberPhone.position))
        .limit(1)
    )
    return str(found) if found is not None else None
