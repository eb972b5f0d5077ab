"""Queries on contacts and verification attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.contacts.models import Contact, VerificationAttempt


async def get(session: AsyncSession, tenant_id: str, contact_id: uuid.UUID) -> Contact | None:
    """The tenant's contact, or None (another tenant's is None too)."""
    contact = await session.get(Contact, contact_id)
    return contact if contact is not None and contact.tenant_id == tenant_id else None


async def attempts(session: AsyncSession, contact_id: uuid.UUID) -> list[VerificationAttempt]:
    """A contact's verification attempts, oldest first."""
    result = await session.scalars(
        select(VerificationAttempt)
        .where(col(VerificationAttempt.contact_id) == contact_id)
        .order_by(col(VerificationAttempt.at))
    )
    return list(result)


async def for_call(session: AsyncSession, tenant_id: str, call_id: uuid.UUID) -> list[Contact]:
    """The tenant's contacts tied to a call (uses ix_contacts_tenant_call)."""
    result = await session.scalars(
        select(Contact).where(col(Contact.tenant_id) == tenant_id, col(Contact.call_id) == call_id)
    )
    return list(result)


async def close_for_call(
    session: AsyncSession, tenant_id: str, call_id: uuid.UUID, *, closed_at: datetime, reason: str
) -> int:
    """Close every open contact of the tenant tied to the call; returns how many."""
    result = await session.execute(
        update(Contact)
        .where(
            col(Contact.tenant_id) == tenant_id,
            col(Contact.call_id) == call_id,
            col(Contact.closed_at).is_(None),
        )
        .values(closed_at=closed_at, closed_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def failures_since(
    session: AsyncSession,
    tenant_id: str,
    since: datetime,
    *,
    member_id: uuid.UUID | None = None,
    caller_number: str | None = None,
) -> int:
    """Failed verification attempts about a member, or from a calling number, since `since` (every contact)."""
    query = select(func.count()).where(
        col(VerificationAttempt.tenant_id) == tenant_id,
        col(VerificationAttempt.success).is_(False),
        col(VerificationAttempt.at) >= since,
    )
    if member_id is not None:
        query = query.where(col(VerificationAttempt.member_id) == member_id)
    if caller_number is not None:
        query = query.where(col(VerificationAttempt.caller_number) == caller_number)
    return int(await session.scalar(query) or 0)
