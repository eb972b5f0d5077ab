"""Queries on the audit log and its chain heads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from sqlmodel import select as sm_select

from frontdoor_members.audit.chain import GENESIS
from frontdoor_members.audit.models import AuditChainHead, PersonalDataRead

READS = PersonalDataRead.__table__  # type: ignore[attr-defined]
HEADS = AuditChainHead.__table__  # type: ignore[attr-defined]


async def reads_of(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, limit: int, offset: int = 0
) -> list[PersonalDataRead]:
    """The latest reads of a member's personal data."""
    result = await session.scalars(
        sm_select(PersonalDataRead)
        .where(col(PersonalDataRead.tenant_id) == tenant_id, col(PersonalDataRead.member_id) == member_id)
        .order_by(col(PersonalDataRead.at).desc(), col(PersonalDataRead.seq).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(result)


def _advance(tenant_id: str) -> Any:
    return (
        update(HEADS)
        .where(HEADS.c.tenant_id == tenant_id)
        .values(seq=HEADS.c.seq + 1)
        .returning(HEADS.c.seq, HEADS.c.hash)
    )


async def take_head(session: AsyncSession, tenant_id: str) -> tuple[int, str]:
    """Claim the next place in the tenant's chain: (its seq, the hash of the entry before it).

    The UPDATE takes the head row's lock first (PostgreSQL) and the write lock (SQLite), so a
    concurrent writer in the same tenant waits here until this transaction ends and then reads
    the head this one leaves; set_head must follow in the same transaction."""
    row = (await session.execute(_advance(tenant_id))).first()
    if row is None:  # the tenant's first entry: create its head, racing writers agree on one
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await session.execute(
            insert(HEADS)
            .values(tenant_id=tenant_id, seq=0, hash=GENESIS)
            .on_conflict_do_nothing(index_elements=["tenant_id"])
        )
        row = (await session.execute(_advance(tenant_id))).one()
    return int(row.seq), str(row.hash)


async def set_head(session: AsyncSession, tenant_id: str, entry_hash: str) -> None:
    """Record the hash of the entry just written at the head's seq."""
    await session.execute(update(HEADS).where(HEADS.c.tenant_id == tenant_id).values(hash=entry_hash))


async def head(session: AsyncSession, tenant_id: str) -> tuple[int, str] | None:
    """The tenant's chain head (seq, hash), None before its first entry."""
    row = (await session.execute(select(HEADS.c.seq, HEADS.c.hash).where(HEADS.c.tenant_id == tenant_id))).first()
    return None if row is None else (int(row.seq), str(row.hash))


async def tenants(session: AsyncSession) -> list[str]:
    """Every tenant with a chain head or an audit entry."""
    heads = await session.scalars(select(HEADS.c.tenant_id))
    entries = await session.scalars(select(READS.c.tenant_id).distinct())
    return sorted(set(heads) | set(entries))


async def chain_page(
    session: AsyncSession, tenant_id: str, after: tuple[int, uuid.UUID] | None, limit: int
) -> Sequence[Row[Any]]:
    """Up to `limit` entries of the tenant's chain after `after` (seq, id), in seq order (plain rows:
    the session keeps none of them, so walking a long chain holds one page at a time). Ordered by id
    too, so a duplicated seq (possible only if the unique index was dropped) is never skipped."""
    query = select(READS).where(READS.c.tenant_id == tenant_id)
    if after is not None:
        query = query.where(
            tuple_(READS.c.seq, READS.c.id) > tuple_(literal(after[0]), literal(after[1], READS.c.id.type))
        )
    result = await session.execute(query.order_by(READS.c.seq, READS.c.id).limit(limit))
    return result.all()


async def last_seq(session: AsyncSession, tenant_id: str) -> int:
    """The highest seq among the tenant's entries (0 for none)."""
    top = await session.scalar(select(func.coalesce(func.max(READS.c.seq), 0)).where(READS.c.tenant_id == tenant_id))
    return int(top or 0)
