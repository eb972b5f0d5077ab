"""Queries on mirrored calls."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.calls.models import CallRecord


async def get(session: AsyncSession, tenant_id: str, call_id: uuid.UUID) -> CallRecord | None:
    """The tenant's record of this call, if any event about it arrived."""
    result = await session.scalars(
        select(CallRecord).where(col(CallRecord.tenant_id) == tenant_id, col(CallRecord.call_id) == call_id)
    )
    return result.first()


async def get_or_create(session: AsyncSession, tenant_id: str, call_id: uuid.UUID, *, now: datetime) -> CallRecord:
    """The record of this call, created when it is the first event about it."""
    found = await get(session, tenant_id, call_id)
    if found is not None:
        return found
    row = CallRecord(tenant_id=tenant_id, call_id=call_id, created_at=now, updated_at=now)
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # another transaction recorded it first
        found = await get(session, tenant_id, call_id)
        assert found is not None
        return found
    return row
