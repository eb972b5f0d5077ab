"""Reading members with personal data masked or revealed (and audited), and re-encrypting it.

The national ID and the address show only to a contact verified as the member themself, with the
`members:pii` scope; every such read is audited in its own request's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.errors import NotFound
from frontdoor_common.logging import get_logger
from frontdoor_common.notifier import snapshot
from frontdoor_members.audit import service as audit
from frontdoor_members.contacts import repository as contacts
from frontdoor_members.contacts.verification import grants_personal_data
from frontdoor_members.crypto import Vault
from frontdoor_members.members import repository
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.members.repository import require
from frontdoor_members.members.schemas import Address, MemberView, PhoneView

PERSONAL_FIELDS = ["national_id", "address"]
log = get_logger(__name__)


@dataclass
class Reveal:
    """What a read may show, and why."""

    national_id: str | None = None
    address: bool = False


def view(member: Member, phones: list[MemberPhone], reveal: Reveal | None = None) -> MemberView:
    """The response shape: the national ID masked and the address withheld unless revealed."""
    reveal = reveal or Reveal()
    on_file = member.address_line1 is not None
    address = None
    if on_file and reveal.address:
        address = Address(
            line1=member.address_line1 or "",
            line2=member.address_line2,
            postal_code=member.postal_code or "",
            city=member.city or "",
            country=member.address_country,
        )
    return snapshot(
        MemberView,
        member,
        insurances=list(member.insurances),
        national_id=reveal.national_id if reveal.national_id is not None else member.national_id_masked,
        national_id_revealed=reveal.national_id is not None,
        placeholder_national_id=member.national_id_kind == "placeholder",
        phones=[PhoneView(number=p.e164, kind=p.kind) for p in phones],
        address=address,
        address_on_file=on_file,
        address_revealed=address is not None,
    )


async def read(
    session: AsyncSession,
    principal: Principal,
    vault: Vault,
    member_id: uuid.UUID,
    *,
    contact_id: uuid.UUID | None,
    purpose: str,
    request_id: str | None,
    now: datetime,
) -> MemberView:
    """A member; personal data revealed (and the read audited) only for a verified contact and members:pii."""
    member = await require(session, principal.tenant_id, member_id)
    phones = await repository.phones(session, member.id)
    reveal = Reveal()
    if contact_id is not None:
        contact = await contacts.get(session, principal.tenant_id, contact_id)
        if contact is None:
            raise NotFound("No such contact.", error_id="contact_not_found", field="contact_id")
        if principal.has("members:pii") and grants_personal_data(contact, member.id, now):
            reveal = Reveal(
                national_id=vault.decrypt(member.national_id_encrypted) if member.national_id_encrypted else None,
                address=True,
            )
            await audit.record_read(
                session,
                tenant_id=principal.tenant_id,
                member_id=member.id,
                subject=principal.subject,
                purpose=purpose,
                fields=PERSONAL_FIELDS,
                contact_id=contact.id,
                request_id=request_id,
                at=now,
            )
    return view(member, phones, reveal)


async def reencrypt(session: AsyncSession, vault: Vault, batch: int = 500) -> tuple[int, int]:
    """Re-encrypt every national ID with the newest key (and its digest with the newest key's, filling in
    digests of members registered before there were any); returns (changed, already current)."""
    changed = current = 0
    after: uuid.UUID | None = None
    while True:
        page = await repository.with_national_id(session, after, batch)
        if not page:
            return changed, current
        for member in page:
            assert member.national_id_encrypted is not None
            rotated = vault.rotate(member.national_id_encrypted)
            digest = None
            if member.national_id_kind != "placeholder":
                digest = vault.digest(vault.decrypt(member.national_id_encrypted))
                # registered twice before duplicates were refused: the first keeps the digest, the
                # later one stays without until an agent merges or corrects them
                twin = await repository.by_national_id_digest(session, member.tenant_id, [digest])
                if twin is not None and twin.id != member.id:
                    log.warning("national ID registered twice", member_id=str(member.id), first=str(twin.id))
                    digest = None
            if rotated is None and digest == member.national_id_digest:
                current += 1
                continue
            if rotated is not None:
                member.national_id_encrypted = rotated
            member.national_id_digest = digest
            changed += 1
        after = page[-1].id
        await session.flush()
