"""The members service's events, published through the outbox in the caller's transaction.

`MembersNotifier` is built once in the composition root (`context.py`) with the outbox and the
clock; every row becomes its event snapshot through `snapshot()`, which names the fields (so
no national ID, address or free-text summary can slip in) and validates the Literal ones.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events import members as ev
from frontdoor_common.notifier import Notifier, snapshot
from frontdoor_members.contacts.models import Contact
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.membership.models import MembershipChange


def member_snapshot(member: Member, phones: list[MemberPhone]) -> ev.MemberSnapshot:
    """What other services may know about a member: never the national ID or the address."""
    return snapshot(
        ev.MemberSnapshot,
        member,
        member_id=member.id,
        phones=[p.e164 for p in phones],
        has_email=bool(member.email),
        placeholder_national_id=member.national_id_kind == "placeholder",
    )


def entry_added(entry: DossierEntry) -> ev.DossierEntryAdded:
    """members.dossier.entry_added of an entry (without the free-text summary)."""
    return snapshot(ev.DossierEntryAdded, entry, entry_id=entry.id)


def membership_change(change: MembershipChange) -> ev.MembershipChangeEvent:
    """members.membership.change_requested, or change_confirmed once confirmed."""
    kind = ev.MembershipChangeConfirmed if change.status == "confirmed" else ev.MembershipChangeRequested
    return snapshot(kind, change, change_id=change.id)


class MembersNotifier(Notifier):
    """Publishes the members service's events (`frontdoor.members.v1`)."""

    async def member_created(self, session: AsyncSession, member: Member, phones: list[MemberPhone]) -> None:
        """members.member.created"""
        event = ev.MemberCreated(member=member_snapshot(member, phones), at=self.clock.now())
        await self.publish(session, event, tenant=member.tenant_id)

    async def member_updated(
        self, session: AsyncSession, member: Member, phones: list[MemberPhone], changed: list[str]
    ) -> None:
        """members.member.updated; `changed` names the fields."""
        event = ev.MemberUpdated(member=member_snapshot(member, phones), changed=sorted(changed), at=self.clock.now())
        await self.publish(session, event, tenant=member.tenant_id)

    async def entry_added(self, session: AsyncSession, entry: DossierEntry) -> None:
        """members.dossier.entry_added"""
        await self.publish(session, entry_added(entry), tenant=entry.tenant_id)

    async def membership_change(self, session: AsyncSession, change: MembershipChange) -> None:
        """members.membership.change_requested / change_confirmed"""
        await self.publish(session, membership_change(change), tenant=change.tenant_id)

    async def contact_identified(self, session: AsyncSession, contact: Contact) -> None:
        """members.contact.identified: the member the caller's number (or routing) recognised."""
        event = snapshot(
            ev.ContactIdentified,
            contact,
            contact_id=contact.id,
            member_id=contact.recognised_member_id,
            at=self.clock.now(),
        )
        await self.publish(session, event, tenant=contact.tenant_id)

    async def contact_verified(self, session: AsyncSession, contact: Contact) -> None:
        """members.contact.verified"""
        event = snapshot(ev.ContactVerified, contact, contact_id=contact.id, at=self.clock.now())
        await self.publish(session, event, tenant=contact.tenant_id)

    async def contact_locked(self, session: AsyncSession, contact: Contact) -> None:
        """members.contact.locked"""
        event = snapshot(ev.ContactLocked, contact, contact_id=contact.id, at=self.clock.now())
        await self.publish(session, event, tenant=contact.tenant_id)

    async def reasons_changed(self, session: AsyncSession, tenant_id: str, reasons: list[str]) -> None:
        """members.tenant.reasons_changed: the whole list (the latest event is the truth)."""
        event = ev.TenantReasonsChanged(tenant_id=tenant_id, reasons=list(reasons), at=self.clock.now())
        await self.publish(session, event, tenant=tenant_id)
