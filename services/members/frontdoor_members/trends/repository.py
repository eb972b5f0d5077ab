"""Queries on contact records (the trends' rows)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.trends.models import ContactRecord

Key = Literal["call_id", "contact_id"]


async def find(session: AsyncSession, tenant_id: str, key: Key, value: uuid.UUID) -> ContactRecord | None:
    """The contact record of a call (key call_id) or of a contact session (key contact_id)."""
    column = col(ContactRecord.call_id) if key == "call_id" else col(ContactRecord.contact_id)
    result = await session.scalars(
        select(ContactRecord).where(col(ContactRecord.tenant_id) == tenant_id, column == value)
    )
    return result.first()


async def for_call(session: AsyncSession, tenant_id: str, call_id: uuid.UUID) -> ContactRecord | None:
    """The contact record of a call."""
    return await find(session, tenant_id, "call_id", call_id)


async def merge(
    session: AsyncSession, tenant_id: str, key: Key, value: uuid.UUID, new: Callable[[], ContactRecord]
) -> tuple[ContactRecord, bool]:
    """(the record, created?): `new()` is inserted unless the call or contact has one (also when another
    transaction inserts it at the same moment: the unique key decides, and the loser merges)."""
    found = await find(session, tenant_id, key, value)
    if found is not None:
        return found, False
    row = new()
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        found = await find(session, tenant_id, key, value)
        assert found is not None
        return found, False
    return row, True


async def merge_call(
    session: AsyncSession, tenant_id: str, call_id: uuid.UUID, new: Callable[[], ContactRecord]
) -> tuple[ContactRecord, bool]:
    """(the call's record, created?)."""
    return await merge(session, tenant_id, "call_id", call_id, new)


async def with_reason_between(
    session: AsyncSession, tenant_id: str, since: datetime, until: datetime
) -> list[tuple[datetime, str, uuid.UUID | None]]:
    """(when, reason, department) of contacts with a reason in [since, until)."""
    result = await session.execute(
        select(col(ContactRecord.occurred_at), col(ContactRecord.reason), col(ContactRecord.department_id)).where(
            col(ContactRecord.tenant_id) == tenant_id,
            col(ContactRecord.reason).is_not(None),
            col(ContactRecord.occurred_at) >= since,
            col(ContactRecord.occurred_at) < until,
        )
    )
    return [(at, reason, dept) for at, reason, dept in result.all()]
