"""The agents service's part in a member's access, erasure and retention (issue 17).

Agents holds staff, and members' meetings with counsellors: only the meetings are about a member
(`meetings.member_id`, and the booking's free-text `note`). Their events (`agents.meeting.*`) carry
ids and times only, so nothing in them is sealed.

- export: every meeting of the member (section `meetings`), each row's columns, in keyset pages;
- erase: the member's future booked meetings are cancelled through the ordinary cancellation (the
  counsellor's slot is free again, `agents.meeting.cancelled` is published as on any cancellation),
  then every meeting of the member is anonymised (no member, no note): the counsellors' calendars
  and meeting history stay true, and the workload figures never counted meetings. The member is
  remembered as erased (a keyed digest only), so a later booking for them is refused;
- retention `bookings`: meetings that ended before the cutoff are anonymised the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.context import AgentsContext
from frontdoor_agents.meetings import repository as repo
from frontdoor_agents.meetings import service as meetings
from frontdoor_agents.models import Meeting
from frontdoor_common.events.privacy import ErasureRequested
from frontdoor_common.privacy.spec import ErasurePart, PrivacySpec, RetentionResult

EXPORT_PAGE = 200

KEPT = [
    "Meetings' times, kinds, counsellors, departments and statuses, without the member or the note: the "
    "counsellors' calendars and meeting history (staff data) stay true.",
    "A keyed digest naming the member as erased (not the member id): a later booking for them is refused.",
]


async def export(
    ctx: AgentsContext, session: AsyncSession, tenant: str, member_id: uuid.UUID
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Every meeting of the member, earliest first, one page at a time (section `meetings`)."""
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        query = select(Meeting).where(Meeting.tenant_id == tenant, Meeting.member_id == member_id)
        if after is not None:
            query = query.where(
                or_(
                    col(Meeting.starts_at) > after[0],
                    (col(Meeting.starts_at) == after[0]) & (col(Meeting.id) > after[1]),
                )
            )
        rows = list(await session.scalars(query.order_by(col(Meeting.starts_at), col(Meeting.id)).limit(EXPORT_PAGE)))
        for m in rows:
            yield "meetings", m.model_dump()
        if len(rows) < EXPORT_PAGE:
            return
        after = (rows[-1].starts_at, rows[-1].id)
        session.expunge_all()  # the pages read so far need not stay in memory


async def erase(ctx: AgentsContext, session: AsyncSession, request: ErasureRequested) -> ErasurePart:
    """Cancel the member's future meetings, anonymise all of them, and refuse their later bookings."""
    tenant, member_id = request.tenant_id, request.member_id
    now = ctx.clock.now()
    subject = ctx.member_digest(tenant, member_id)
    # One after the other with a booking of the same member (meetings.service.book).
    await repo.lock_member(session, subject)
    future = await session.scalars(
        select(col(Meeting.id)).where(
            Meeting.tenant_id == tenant,
            Meeting.member_id == member_id,
            Meeting.status == "booked",
            col(Meeting.starts_at) > now,
        )
    )
    cancelled = 0
    for meeting_id in list(future):
        await meetings.cancel(session, ctx.meetings, tenant, meeting_id, now)
        cancelled += 1
    if cancelled:
        ctx.wake_scheduler_after_commit(session)
    result = await session.execute(
        update(Meeting)
        .where(col(Meeting.tenant_id) == tenant, col(Meeting.member_id) == member_id)
        .values(member_id=None, note=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    await repo.mark_erased(session, tenant, subject, now)
    anonymised = int(getattr(result, "rowcount", 0) or 0)
    return ErasurePart(done={"meetings_cancelled": cancelled, "meetings_anonymised": anonymised}, kept=list(KEPT))


async def bookings_retention(
    ctx: AgentsContext, session: AsyncSession, tenant: str, cutoff: datetime
) -> RetentionResult:
    """Anonymise the meetings that ended before `cutoff` (no member, no note); the rows stay for the
    counsellors' calendars and history."""
    result = await session.execute(
        update(Meeting)
        .where(
            col(Meeting.tenant_id) == tenant,
            col(Meeting.starts_at) < cutoff,  # the tenant's index; a meeting ends after it starts
            col(Meeting.ends_at) < cutoff,
            or_(col(Meeting.member_id).is_not(None), col(Meeting.note).is_not(None)),
        )
        .values(member_id=None, note=None, updated_at=ctx.clock.now())
        .execution_options(synchronize_session=False)
    )
    return RetentionResult(anonymised=int(getattr(result, "rowcount", 0) or 0))


def privacy_spec() -> PrivacySpec[AgentsContext]:
    """Agents' part in access, erasure and retention (declared in the app's ServiceSpec)."""
    return PrivacySpec[AgentsContext](export=export, erase=erase, retention={"bookings": bookings_retention})
