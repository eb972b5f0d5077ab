"""Oral powers of attorney: recorded after the agent has talked to the member themself."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.errors import Forbidden, NotFound
from frontdoor_members.contacts import repository as contacts
from frontdoor_members.contacts.verification import is_verified_as_member
from frontdoor_members.members import repository
from frontdoor_members.members.models import Member, PowerOfAttorney
from frontdoor_members.members.parsing import parse_phones
from frontdoor_members.members.schemas import PhoneCreate, PowerOfAttorneyCreate
from frontdoor_members.tenants.service import TenantRules


async def record(
    session: AsyncSession,
    principal: Principal,
    rules: TenantRules,
    member: Member,
    body: PowerOfAttorneyCreate,
    *,
    now: datetime,
) -> PowerOfAttorney:
    """Record a power of attorney; only on a contact verified as the member themself."""
    contact = await contacts.get(session, principal.tenant_id, body.contact_id)
    if contact is None:
        raise NotFound("No such contact.", error_id="contact_not_found", field="contact_id")
    if not is_verified_as_member(contact, member.id, now):
        raise Forbidden(
            "A power of attorney is given by the member themself: verify the member on this contact first.",
            error_id="member_not_verified",
            field="contact_id",
        )
    phone = None
    if body.grantee_phone:
        phone = parse_phones([PhoneCreate(number=body.grantee_phone)], rules.phone_region)[0][0]
    power = PowerOfAttorney(
        tenant_id=principal.tenant_id,
        member_id=member.id,
        grantee_name=body.grantee_name.strip(),
        grantee_phone=phone,
        granted_via_contact_id=contact.id,
        recorded_by=principal.subject,
        granted_at=now,
    )
    session.add(power)
    await session.flush()
    return power


async def revoke(
    session: AsyncSession, tenant_id: str, member: Member, power_id: uuid.UUID, *, now: datetime
) -> PowerOfAttorney:
    """Revoke a power of attorney."""
    power = await repository.power_of_attorney(session, tenant_id, power_id)
    if power is None or power.member_id != member.id:
        raise NotFound("No such power of attorney.", error_id="power_of_attorney_not_found")
    if power.revoked_at is None:
        power.revoked_at = now
        await session.flush()
    return power
