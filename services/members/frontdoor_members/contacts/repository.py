"""Queries on contacts and verification attempts."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_members.contacts.models import Contact, VerificationAttempt


async def get(session: AsyncSession, tenant_id: str, contact_id: uuid.UUID) -> Contact | None:
    """The tenant's contact, or None (another tenant's is None too)."""
    contact = await session.get(Contact, contact_id)
    return contact if contact is not None and contact.tenant_id == tenant_id else None


async def attempts(session: AsyncSession, contact_id: uuid.UUID) -> list[VerificationAttempt]:
    """A contact's verification attempts, oldest first."""
    result = await session.scalars(
        select(VerificationAttempt).where(VerificationAttempt.contact_id == contact_id).order_by(VerificationAttempt.at)  # type: ignore[arg-type]
    )
    return list(result)
