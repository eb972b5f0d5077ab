"""Contact sessions: opening one (identifying the caller), showing it, ending it (by hand or with its call)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.errors import NotFound
from frontdoor_common.notifier import snapshot
from frontdoor_members.calls import repository as calls
from frontdoor_members.contacts import repository, verification
from frontdoor_members.contacts.models import Contact
from frontdoor_members.contacts.schemas import (
    ContactCreate,
    ContactView,
    NewContactView,
)
from frontdoor_members.members import lookup
from frontdoor_members.members import repository as members
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.settings import Settings
from frontdoor_members.tenants import service as tenants


def view(contact: Contact, max_attempts: int, now: datetime) -> ContactView:
    """The response shape of a contact, as it stands `now`."""
    return snapshot(
        ContactView,
        contact,
        candidate_count=contact.candidates,
        scopes=list(contact.scopes),
        verified=contact.level != "none" and verification.is_open(contact, now),
        attempts_left=max(0, max_attempts - contact.failed_attempts),
        locked=contact.locked_at is not None,
        active=verification.is_open(contact, now),
    )


async def require(session: AsyncSession, tenant_id: str, contact_id: uuid.UUID) -> Contact:
    """The tenant's contact, or 404."""
    contact = await repository.get(session, tenant_id, contact_id)
    if contact is None:
        raise NotFound("No such contact.", error_id="contact_not_found")
    return contact


async def open_contact(
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    notifier: MembersNotifier,
    body: ContactCreate,
    *,
    now: datetime,
) -> NewContactView:
    """Open a contact; a caller's number is matched against the registry."""
    rules = await tenants.rules(session, principal.tenant_id, settings.default_country)
    if body.member_id is not None and await members.get(session, principal.tenant_id, body.member_id) is None:
        raise NotFound("No such member.", error_id="member_not_found", field="member_id")
    number = (
        lookup.caller_number(body.caller_number, rules.phone_region, "caller_number") if body.caller_number else None
    )
    found = await lookup.by_phone(session, principal.tenant_id, number) if number else None
    candidates = found.candidates if found else []
    recognised = candidates[0].member_id if len(candidates) == 1 else None
    if body.member_id is not None and any(c.member_id == body.member_id for c in candidates):
        recognised = body.member_id
    call = await calls.get(session, principal.tenant_id, body.call_id) if body.call_id is not None else None
    if recognised is None and call is not None and call.member_id is not None:
        recognised = call.member_id  # routing identified the caller after the call started
    contact = Contact(
        tenant_id=principal.tenant_id,
        channel=body.channel,
        caller_number=number,
        call_id=body.call_id,
        agent=principal.subject,
        recognised_member_id=recognised,
        candidates=len(candidates),
        member_id=None,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.contact_ttl_minutes),
    )
    if call is not None and call.ended_at is not None:
        # a contact tied to a call lives as long as the call: this one is over already
        contact.closed_at, contact.closed_reason = now, "call_ended"
    session.add(contact)
    await session.flush()
    if recognised is not None:
        await notifier.contact_identified(session, contact)
    shown = view(contact, settings.max_verification_attempts, now)
    return NewContactView(**shown.model_dump(), candidates=candidates)


async def close(session: AsyncSession, tenant_id: str, contact_id: uuid.UUID, *, now: datetime) -> Contact:
    """End a contact: its verification no longer opens anything."""
    contact = await require(session, tenant_id, contact_id)
    if contact.closed_at is None:
        contact.closed_at, contact.closed_reason = now, "closed"
        await session.flush()
    return contact


async def end_for_call(session: AsyncSession, tenant_id: str, call_id: uuid.UUID, *, now: datetime) -> int:
    """The call ended: every contact tied to it ends too (its verification opens nothing more)."""
    return await repository.close_for_call(session, tenant_id, call_id, closed_at=now, reason="call_ended")


async def recognise_for_call(
    session: AsyncSession, notifier: MembersNotifier, tenant_id: str, call_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    """Routing identified the call's member late: contacts on that call that recognised nobody now do."""
    for contact in await repository.for_call(session, tenant_id, call_id):
        if contact.recognised_member_id is None:
            contact.recognised_member_id = member_id
            await session.flush()
            await notifier.contact_identified(session, contact)
