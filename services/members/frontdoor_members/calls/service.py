"""What routing's call events mean for members: contacts end with their call, a call identified
late is linked as if known from the start, and each call is recorded once for the dossier and trends.

Events about one call may arrive in any order and more than once; each handler merges into the
call's record and acts on what it then knows, so the outcome is the same in every order.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events.routing import CallSnapshot
from frontdoor_members.calls import repository
from frontdoor_members.calls.models import CallRecord
from frontdoor_members.contacts import service as contacts
from frontdoor_members.dossier import service as dossier
from frontdoor_members.members import repository as members
from frontdoor_members.members.models import Member
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.tenants import service as tenants
from frontdoor_members.trends import service as trends

EndState = Literal["completed", "abandoned", "rejected"]


async def _member(session: AsyncSession, tenant_id: str, member_id: uuid.UUID | None) -> Member | None:
    return await members.get(session, tenant_id, member_id) if member_id is not None else None


async def ended(
    session: AsyncSession,
    notifier: MembersNotifier,
    tenant_id: str,
    call: CallSnapshot,
    state: EndState,
    event_id: str,
    *,
    now: datetime,
    default_country: str = "NO",
) -> CallRecord | None:
    """The call is over: its contacts end; a completed call goes to the trends and the member's dossier."""
    if call.tenant_id != tenant_id:
        return None
    row = await repository.get_or_create(session, tenant_id, call.call_id, now=now)
    if row.ended_at is None:
        row.end_state = state
        row.ended_at = call.completed_at or call.abandoned_at or now
    member = await _member(session, tenant_id, call.member_id)
    if member is not None and row.member_id is None:
        row.member_id = member.id
    if state == "completed" and row.completed is None:
        row.completed = call.model_dump(mode="json")
    row.updated_at = now
    await session.flush()
    await contacts.end_for_call(session, tenant_id, call.call_id, now=now)
    if state != "completed":
        return row
    rules = await tenants.rules(session, tenant_id, default_country)
    member = member or await _member(session, tenant_id, row.member_id)
    await trends.record_call(session, call, member, rules.reasons, now=now)
    if member is not None:
        known = call.model_copy(update={"member_id": member.id})
        await dossier.record_call(session, notifier, tenant_id, known, event_id, rules.reasons, now=now)
    return row


async def identified(
    session: AsyncSession,
    notifier: MembersNotifier,
    tenant_id: str,
    call: CallSnapshot,
    event_id: str,
    *,
    now: datetime,
    default_country: str = "NO",
) -> CallRecord | None:
    """The caller was matched to a member after the call started: link the call as if known from the start."""
    if call.tenant_id != tenant_id:
        return None
    member = await _member(session, tenant_id, call.member_id)
    if member is None:  # no member, or another tenant's: nothing to link
        return None
    row = await repository.get_or_create(session, tenant_id, call.call_id, now=now)
    row.member_id = member.id
    row.updated_at = now
    await session.flush()
    await contacts.recognise_for_call(session, notifier, tenant_id, call.call_id, member.id)
    await trends.link_member(session, tenant_id, call.call_id, member)
    if row.completed is not None:  # the call is over already: add its entry now (record_call adds it once)
        completed = CallSnapshot.model_validate(row.completed).model_copy(update={"member_id": member.id})
        rules = await tenants.rules(session, tenant_id, default_country)
        await dossier.record_call(session, notifier, tenant_id, completed, event_id, rules.reasons, now=now)
    return row
