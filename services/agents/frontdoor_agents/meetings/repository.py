"""Reading and locking meeting kinds and meetings."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.models import Agent, ErasedMember, Meeting, MeetingKind

_MEMBER_LOCKS = 0x4D454D  # the namespace of members' advisory locks (a booking against an erasure)


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


async def get_meeting(
    session: AsyncSession, tenant: str, meeting_id: uuid.UUID, *, for_update: bool = False
) -> Meeting | None:
    """The tenant's meeting (`for_update`: read afresh and held until the transaction ends, so two changes
    of one meeting, an erasure's among them, happen one after the other; PostgreSQL)."""
    meeting = await session.get(Meeting, meeting_id, with_for_update=for_update, populate_existing=for_update)
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


async def lock_member(session: AsyncSession, subject: str) -> None:
    """Hold the member (named by their subject's keyed digest) until the transaction ends, so a booking
    and the member's erasure happen one after the other (PostgreSQL: a transaction-scoped advisory lock;
    SQLite: every write transaction holds the database's write lock from BEGIN IMMEDIATE)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # The two-key form (never the same lock as the single-key ones of the scheduler and the relay);
        # two members sharing 31 bits of digest only wait for each other.
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :k)"), {"ns": _MEMBER_LOCKS, "k": int(subject[:8], 16) >> 1}
        )


async def is_erased(session: AsyncSession, tenant: str, subject: str) -> bool:
    """Whether this member's data was erased here."""
    return await session.get(ErasedMember, (tenant, subject)) is not None


async def mark_erased(session: AsyncSession, tenant: str, subject: str, at: datetime) -> None:
    """Remember that the member was erased (once)."""
    if not await is_erased(session, tenant, subject):
        session.add(ErasedMember(tenant_id=tenant, subject=subject, erased_at=at))
        await session.flush()
