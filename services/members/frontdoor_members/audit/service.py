"""Recording reads of personal data, in the reading request's own transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.errors import Unavailable
from frontdoor_common.logging import get_logger
from frontdoor_members.audit import repository
from frontdoor_members.audit.models import PersonalDataRead
from frontdoor_members.members import repository as members

log = get_logger(__name__)


async def record_read(
    session: AsyncSession,
    *,
    tenant_id: str,
    member_id: uuid.UUID,
    subject: str,
    purpose: str,
    fields: list[str],
    contact_id: uuid.UUID | None,
    request_id: str | None,
    at: datetime,
) -> PersonalDataRead:
    """Write the audit record now; if it cannot be written the read fails (503), revealing nothing."""
    entry = PersonalDataRead(
        tenant_id=tenant_id,
        member_id=member_id,
        subject=subject,
        purpose=purpose,
        fields=fields,
        contact_id=contact_id,
        request_id=request_id,
        at=at,
    )
    try:
        async with session.begin_nested():
            session.add(entry)
            await session.flush()
    except SQLAlchemyError as exc:
        log.error("personal data read refused: audit record not written", error_type=type(exc).__name__)
        raise Unavailable("The read could not be audited, so it was refused.", error_id="audit_unavailable") from None
    return entry


async def reads_of(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, offset: int, limit: int
) -> list[PersonalDataRead]:
    """The latest reads of the member's personal data (404 for no such member)."""
    member = await members.require(session, tenant_id, member_id)
    return await repository.reads_of(session, tenant_id, member.id, limit, offset)
