"""The members service's events, published through the outbox in the caller's transaction.

`MembersNotifier` is built once in the composition root (`context.py`) with the outbox, the
clock and the runtime's sealer and unsealer (handed in, never looked up); the other parts that
publish members' events (the course feed worker, the mail intake) are handed that one notifier,
and the notices' notifier takes its sealer (`NoticesNotifier.beside`). Every row becomes its
event snapshot through `snapshot()`, which names the fields (so no national ID, address or
free-text summary can slip in) and validates the Literal ones.

Crypto-shredding (issue 17): the personal fields of a member's snapshot (member number, names,
phones, employer, workplace) are sealed under the member's key (`member_subject`) before the
event reaches the outbox, so erasing that key makes every copy of them unreadable (the broker's
topics, the outbox rows kept for replay, a BI copy). The fields keep their names and types;
only the values are `sealed:v1:members:...` strings. Every other members event carries ids,
codes and times only (checked field by field: see `SEALED_FIELDS`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.clock import Clock
from frontdoor_common.events import members as ev
from frontdoor_common.notifier import Notifier, snapshot
from frontdoor_common.privacy.seal import Sealer, Unsealer, member_subject
from frontdoor_members.contacts.models import Contact
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.membership.models import MembershipChange

# The fields of members' events that hold personal data, sealed under the member's key; every other
# field of every members event is an id, a code, a flag or a time.
SEALED_FIELDS: dict[str, tuple[str, ...]] = {
    "members.member.created": ("member_number", "first_name", "last_name", "phones", "employer", "workplace"),
    "members.member.updated": ("member_number", "first_name", "last_name", "phones", "employer", "workplace"),
    "members.notice.requested": ("to", "body"),
}


class SealerMissing(RuntimeError):
    """A members event with personal fields was about to be published without a sealer (the
    composition root refuses to build the service without the runtime's)."""


def member_snapshot(member: Member, phones: list[MemberPhone]) -> ev.MemberSnapshot:
    """What other services may know about a member: never the national ID or the address (in
    clear: `sealed_member_snapshot` is what is published)."""
    return snapshot(
        ev.MemberSnapshot,
        member,
        member_id=member.id,
        phones=[p.e164 for p in phones],
        has_email=bool(member.email),
        placeholder_national_id=member.national_id_kind == "placeholder",
    )


async def sealed_member_snapshot(
    session: AsyncSession, sealer: Sealer, member: Member, phones: list[MemberPhone]
) -> ev.MemberSnapshot:
    """The member's snapshot with its personal fields sealed under the member's key."""
    plain = member_snapshot(member, phones)
    tenant, subject = member.tenant_id, member_subject(member.id)

    async def seal(value: str) -> str:
        sealed = await sealer.seal(session, tenant, subject, value)
        if sealed is None:  # a str in is a str out: never reached
            raise SealerMissing("a value did not seal")
        return sealed

    return plain.model_copy(
        update={
            "member_number": await seal(plain.member_number),
            "first_name": await seal(plain.first_name),
            "last_name": await seal(plain.last_name),
            "phones": await sealer.seal_many(session, tenant, subject, plain.phones),
            "employer": await sealer.seal(session, tenant, subject, plain.employer),
            "workplace": await sealer.seal(session, tenant, subject, plain.workplace),
        }
    )


def entry_added(entry: DossierEntry) -> ev.DossierEntryAdded:
    """members.dossier.entry_added of an entry (without the free-text summary)."""
    return snapshot(ev.DossierEntryAdded, entry, entry_id=entry.id)


def membership_change(change: MembershipChange) -> ev.MembershipChangeEvent:
    """members.membership.change_requested, or change_confirmed once confirmed."""
    kind = ev.MembershipChangeConfirmed if change.status == "confirmed" else ev.MembershipChangeRequested
    return snapshot(kind, change, change_id=change.id)


class MembersNotifier(Notifier):
    """Publishes the members service's events (`frontdoor.members.v1`), a member's personal fields
    sealed with the runtime's sealer."""

    def __init__(self, outbox: Outbox, clock: Clock, sealer: Sealer, unsealer: Unsealer) -> None:
        super().__init__(outbox, clock)
        self.sealer = sealer  # seals the personal fields of the events (the runtime's)
        self.unsealer = unsealer  # opens other services' sealed values (a call's caller number) for the consumer

    async def member_created(self, session: AsyncSession, member: Member, phones: list[MemberPhone]) -> None:
        """members.member.created"""
        snap = await sealed_member_snapshot(session, self.sealer, member, phones)
        event = ev.MemberCreated(member=snap, at=self.clock.now())
        await self.publish(session, event, tenant=member.tenant_id)

    async def member_updated(
        self, session: AsyncSession, member: Member, phones: list[MemberPhone], changed: list[str]
    ) -> None:
        """members.member.updated; `changed` names the fields."""
        snap = await sealed_member_snapshot(session, self.sealer, member, phones)
        event = ev.MemberUpdated(member=snap, changed=sorted(changed), at=self.clock.now())
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
