"""Publishes the members service's events through the outbox (in the caller's transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.events import members as ev
from frontdoor_common.models import utcnow
from frontdoor_members.contacts.models import Contact
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.membership.models import MembershipChange


def snapshot(member: Member, phones: list[MemberPhone]) -> ev.MemberSnapshot:
    """What other services may know about a member: never the national ID or the address."""
    return ev.MemberSnapshot(
        member_id=member.id,
        tenant_id=member.tenant_id,
        member_number=member.member_number,
        first_name=member.first_name,
        last_name=member.last_name,
        phones=[p.e164 for p in phones],
        has_email=bool(member.email),
        returned_mail=member.returned_mail,
        placeholder_national_id=member.national_id_kind == "placeholder",
        department_id=member.department_id,
        status=member.status,
        category=member.category,
        employer=member.employer,
        workplace=member.workplace,
        is_shop_steward=member.is_shop_steward,
    )


async def member_created(session: AsyncSession, outbox: Outbox, member: Member, phones: list[MemberPhone]) -> None:
    """members.member.created"""
    await outbox.add(session, ev.MemberCreated(member=snapshot(member, phones), at=utcnow()), tenant=member.tenant_id)


async def member_updated(
    session: AsyncSession, outbox: Outbox, member: Member, phones: list[MemberPhone], changed: list[str]
) -> None:
    """members.member.updated"""
    event = ev.MemberUpdated(member=snapshot(member, phones), changed=sorted(changed), at=utcnow())
    await outbox.add(session, event, tenant=member.tenant_id)


async def entry_added(session: AsyncSession, outbox: Outbox, entry: DossierEntry) -> None:
    """members.dossier.entry_added (without the free-text summary)."""
    event = ev.DossierEntryAdded(
        entry_id=entry.id,
        member_id=entry.member_id,
        tenant_id=entry.tenant_id,
        kind=entry.kind,
        channel=entry.channel,
        reason=entry.reason,
        outcome=entry.outcome,
        outcome_date=entry.outcome_date,
        call_id=entry.call_id,
        callback_id=entry.callback_id,
        department_id=entry.department_id,
        occurred_at=entry.occurred_at,
    )
    await outbox.add(session, event, tenant=entry.tenant_id)


async def membership_change(session: AsyncSession, outbox: Outbox, change: MembershipChange) -> None:
    """members.membership.change_requested / change_confirmed"""
    cls = ev.MembershipChangeConfirmed if change.status == "confirmed" else ev.MembershipChangeRequested
    event = cls(
        change_id=change.id,
        member_id=change.member_id,
        tenant_id=change.tenant_id,
        kind=change.kind,  # type: ignore[arg-type]
        status=change.status,  # type: ignore[arg-type]
        from_department_id=change.from_department_id,
        to_department_id=change.to_department_id,
        requested_on=change.requested_on,
        effective_on=change.effective_on,
        confirmed_on=change.confirmed_on,
    )
    await outbox.add(session, event, tenant=change.tenant_id)


async def contact_identified(session: AsyncSession, outbox: Outbox, contact: Contact) -> None:
    """members.contact.identified"""
    assert contact.recognised_member_id is not None
    event = ev.ContactIdentified(
        contact_id=contact.id,
        member_id=contact.recognised_member_id,
        tenant_id=contact.tenant_id,
        call_id=contact.call_id,
        at=utcnow(),
    )
    await outbox.add(session, event, tenant=contact.tenant_id)


async def contact_verified(session: AsyncSession, outbox: Outbox, contact: Contact) -> None:
    """members.contact.verified"""
    assert contact.member_id is not None
    event = ev.ContactVerified(
        contact_id=contact.id,
        member_id=contact.member_id,
        tenant_id=contact.tenant_id,
        call_id=contact.call_id,
        level=contact.level,  # type: ignore[arg-type]
        at=utcnow(),
    )
    await outbox.add(session, event, tenant=contact.tenant_id)


async def contact_locked(session: AsyncSession, outbox: Outbox, contact: Contact) -> None:
    """members.contact.locked"""
    event = ev.ContactLocked(
        contact_id=contact.id,
        tenant_id=contact.tenant_id,
        call_id=contact.call_id,
        failed_attempts=contact.failed_attempts,
        at=utcnow(),
    )
    await outbox.add(session, event, tenant=contact.tenant_id)
