"""Queries on members, phones, invoices and powers of attorney (always scoped by tenant)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_common.errors import NotFound
from frontdoor_members.members.models import Invoice, Member, MemberPhone, PowerOfAttorney

ERASED = "erased"  # an erased member's tombstone (issue 17): kept for the erasure's report, found by nothing


async def get(session: AsyncSession, tenant_id: str, member_id: uuid.UUID) -> Member | None:
    """The tenant's member, or None (another tenant's member is None too, and so is an erased
    member: its anonymised row stays only so the erasure's report and kept invoices refer to it)."""
    member = await session.get(Member, member_id)
    return member if member is not None and member.tenant_id == tenant_id and member.status != ERASED else None


async def require(session: AsyncSession, tenant_id: str, member_id: uuid.UUID) -> Member:
    """The tenant's member, or 404 (also for another tenant's member)."""
    member = await get(session, tenant_id, member_id)
    if member is None:
        raise NotFound("No such member.", error_id="member_not_found")
    return member


async def by_number(session: AsyncSession, tenant_id: str, member_number: str) -> Member | None:
    """The member with this member number."""
    result = await session.scalars(
        select(Member).where(
            col(Member.tenant_id) == tenant_id,
            col(Member.member_number) == member_number,
            col(Member.status) != ERASED,
        )
    )
    return result.first()


async def by_national_id_digest(session: AsyncSession, tenant_id: str, digests: Sequence[str]) -> Member | None:
    """The member whose national ID has one of these digests (one per data key)."""
    result = await session.scalars(
        select(Member).where(col(Member.tenant_id) == tenant_id, col(Member.national_id_digest).in_(list(digests)))
    )
    return result.first()


async def by_numbers(session: AsyncSession, tenant_id: str, numbers: Sequence[str]) -> list[Member]:
    """Members whose member number is one of `numbers`."""
    if not numbers:
        return []
    result = await session.scalars(
        select(Member).where(
            col(Member.tenant_id) == tenant_id,
            col(Member.member_number).in_(list(numbers)),
            col(Member.status) != ERASED,
        )
    )
    return list(result)


async def phones(session: AsyncSession, member_id: uuid.UUID) -> list[MemberPhone]:
    """A member's numbers in their order."""
    result = await session.scalars(
        select(MemberPhone).where(col(MemberPhone.member_id) == member_id).order_by(col(MemberPhone.position))
    )
    return list(result)


async def replace_phones(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, numbers: list[tuple[str, str]]
) -> list[MemberPhone]:
    """Replace a member's numbers with (e164, kind) pairs; duplicates keep their first kind."""
    await session.execute(delete(MemberPhone).where(col(MemberPhone.member_id) == member_id))
    rows: list[MemberPhone] = []
    seen: set[str] = set()
    for position, (e164, kind) in enumerate(numbers):
        if e164 in seen:
            continue
        seen.add(e164)
        row = MemberPhone(tenant_id=tenant_id, member_id=member_id, e164=e164, kind=kind, position=position)
        session.add(row)
        rows.append(row)
    return rows


async def candidates_by_phone(session: AsyncSession, tenant_id: str, e164: str) -> list[tuple[Member, MemberPhone]]:
    """Members with this number (uses ix_member_phones_lookup)."""
    result = await session.execute(
        select(Member, MemberPhone)
        .join(MemberPhone, col(MemberPhone.member_id) == col(Member.id))
        .where(col(MemberPhone.tenant_id) == tenant_id, col(MemberPhone.e164) == e164)
        .order_by(col(Member.last_name), col(Member.first_name))
    )
    return [(m, p) for m, p in result.all()]


async def invoice_by_kid(session: AsyncSession, tenant_id: str, kid: str) -> Invoice | None:
    """The invoice with this KID."""
    result = await session.scalars(select(Invoice).where(col(Invoice.tenant_id) == tenant_id, col(Invoice.kid) == kid))
    return result.first()


async def invoice(session: AsyncSession, tenant_id: str, invoice_id: uuid.UUID) -> Invoice | None:
    """One of the tenant's invoices."""
    found = await session.get(Invoice, invoice_id)
    return found if found is not None and found.tenant_id == tenant_id else None


async def invoices(
    session: AsyncSession, member_id: uuid.UUID, *, offset: int = 0, limit: int | None = None
) -> list[Invoice]:
    """A member's invoices, newest due date first."""
    query = (
        select(Invoice)
        .where(col(Invoice.member_id) == member_id)
        .order_by(col(Invoice.due_date).desc(), col(Invoice.created_at).desc())
        .offset(offset)
    )
    result = await session.scalars(query.limit(limit) if limit is not None else query)
    return list(result)


async def count_invoices(session: AsyncSession, member_id: uuid.UUID) -> int:
    """How many invoices the member has had."""
    return int(await session.scalar(select(func.count()).where(col(Invoice.member_id) == member_id)) or 0)


async def powers_of_attorney(
    session: AsyncSession, member_id: uuid.UUID, *, active: bool = True, offset: int = 0, limit: int | None = None
) -> list[PowerOfAttorney]:
    """A member's recorded powers of attorney (active ones by default)."""
    query = select(PowerOfAttorney).where(col(PowerOfAttorney.member_id) == member_id)
    if active:
        query = query.where(col(PowerOfAttorney.revoked_at).is_(None))
    query = query.order_by(col(PowerOfAttorney.granted_at), col(PowerOfAttorney.id)).offset(offset)
    result = await session.scalars(query.limit(limit) if limit is not None else query)
    return list(result)


async def power_of_attorney(session: AsyncSession, tenant_id: str, poa_id: uuid.UUID) -> PowerOfAttorney | None:
    """One recorded power of attorney."""
    found = await session.get(PowerOfAttorney, poa_id)
    return found if found is not None and found.tenant_id == tenant_id else None


async def with_national_id(session: AsyncSession, after: uuid.UUID | None, limit: int) -> list[Member]:
    """A page of members (every tenant) holding an encrypted national ID, by id."""
    query = select(Member).where(col(Member.national_id_encrypted).is_not(None))
    if after is not None:
        query = query.where(col(Member.id) > after)
    result = await session.scalars(query.order_by(col(Member.id)).limit(limit))
    return list(result)
