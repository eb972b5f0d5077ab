"""Reading and locking meeting kinds and meetings."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.models import Agent, Meeting, MeetingKind


async def get_kind(session: AsyncSession, tenant: str, code: str) -> MeetingKind | None:
    """The tenant's meeting kind with this code."""
    row = await session.scalars(select(MeetingKind).where(MeetingKind.tenant_id == tenant, MeetingKind.code == code))
    return row.first()


async def list_kinds(session: AsyncSession, tenant: str) -> list[MeetingKind]:
    """The tenant's meeting kinds, by code."""
    rows = await session.scalars(
        select(MeetingKind).where(MeetingKind.tenant_id == tenant).order_by(col(MeetingKind.code))
    )
    return list(rows)


async def get_meeting(session: AsyncSession, tenant: str, meeting_id: uuid.UUID) -> Meeting | None:
    """The tenant's meeting."""
    meeting = await session.get(Meeting, meeting_id)
    return meeting if meeting is not None and meeting.tenant_id == tenant else None


async def held_between(
    session: AsyncSession,
    counsellor_ids: list[uuid.UUID],
    start: datetime,
    end: datetime,
    *,
    except_id: uuid.UUID | None = None,
) -> list[Meeting]:
    """Meetings holding their slot (booked or no-show) of these counsellors that overlap [start, end)."""
    query = select(Meeting).where(
        col(Meeting.counsellor_id).in_(counsellor_ids),
        col(Meeting.held_start).is_not(None),
        col(Meeting.ends_at) > start,
        col(Meeting.starts_at) < end,
    )
    if except_id is not None:
        query = query.where(Meeting.id != except_id)
    return list(await session.scalars(query))


async def list_meetings(
    session: AsyncSession,
    tenant: str,
    counsellor_id: uuid.UUID | None,
    start: datetime,
    end: datetime,
    offset: int,
    limit: int,
    member_id: uuid.UUID | None = None,
) -> list[Meeting]:
    """The tenant's meetings (any status) starting in [start, end), earliest first (of one counsellor or
    member, if given)."""
    query = select(Meeting).where(
        Meeting.tenant_id == tenant, col(Meeting.starts_at) >= start, col(Meeting.starts_at) < end
    )
    if counsellor_id is not None:
        query = query.where(Meeting.counsellor_id == counsellor_id)
    if member_id is not None:
        query = query.where(Meeting.member_id == member_id)
    query = query.order_by(col(Meeting.starts_at), col(Meeting.id)).offset(offset).limit(limit)
    return list(await session.scalars(query))


async def lock_counsellor(session: AsyncSession, counsellor_id: uuid.UUID) -> None:
    """Hold the counsellor's row until the transaction ends, so two bookings of theirs check overlaps
    one after the other (PostgreSQL; SQLite takes the database's write lock at BEGIN IMMEDIATE)."""
    await session.execute(select(col(Agent.id)).where(Agent.id == counsellor_id).with_for_update())
