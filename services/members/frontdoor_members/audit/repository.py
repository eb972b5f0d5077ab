"""Queries on the audit log and its chain heads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, literal, select, tuple_, update
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


@dataclass(frozen=True)
class Head:
    """A tenant's chain head and its checkpoint (entries before `pruned_before` were pruned; the last
    of them had the hash `pruned_hash`)."""

    seq: int
    hash: str
    pruned_before: int = 1
    pruned_hash: str = GENESIS


async def chain_head(session: AsyncSession, tenant_id: str, *, lock: bool = False) -> Head | None:
    """The tenant's chain head with its checkpoint, None before its first entry. `lock`: take the
    head's row lock (PostgreSQL) and the writer lock (SQLite) first, by an UPDATE that changes
    nothing, held until the transaction ends: no audited read of the tenant is chained meanwhile."""
    if lock:
        await session.execute(
            update(HEADS).where(HEADS.c.tenant_id == tenant_id).values(pruned_before=HEADS.c.pruned_before)
        )
    query = select(HEADS.c.seq, HEADS.c.hash, HEADS.c.pruned_before, HEADS.c.pruned_hash).where(
        HEADS.c.tenant_id == tenant_id
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    return Head(int(row.seq), str(row.hash), int(row.pruned_before), str(row.pruned_hash))


async def set_checkpoint(session: AsyncSession, tenant_id: str, pruned_before: int, pruned_hash: str) -> None:
    """Record that the tenant's entries before `pruned_before` were pruned, the last with `pruned_hash`."""
    await session.execute(
        update(HEADS).where(HEADS.c.tenant_id == tenant_id).values(pruned_before=pruned_before, pruned_hash=pruned_hash)
    )


async def first_kept(session: AsyncSession, tenant_id: str, from_seq: int, cutoff: datetime) -> int | None:
    """The lowest seq from `from_seq` on of an entry at or after `cutoff` (None: every one is older)."""
    found = await session.scalar(
        select(func.min(READS.c.seq)).where(
            READS.c.tenant_id == tenant_id, READS.c.seq >= from_seq, READS.c.at >= cutoff
        )
    )
    return None if found is None else int(found)


async def prev_hash_at(session: AsyncSession, tenant_id: str, seq: int) -> str | None:
    """The `prev_hash` the tenant's entry `seq` carries (None: no such entry)."""
    found = await session.scalar(select(READS.c.prev_hash).where(READS.c.tenant_id == tenant_id, READS.c.seq == seq))
    return None if found is None else str(found)


async def delete_through(session: AsyncSession, tenant_id: str, first: int, last: int) -> int:
    """Delete the tenant's entries with seq `first`..`last`; how many there were."""
    result = await session.execute(
        delete(READS).where(READS.c.tenant_id == tenant_id, READS.c.seq >= first, READS.c.seq <= last)
    )
    return int(getattr(result, "rowcount", 0) or 0)


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
