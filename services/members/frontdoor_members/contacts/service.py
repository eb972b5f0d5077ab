"""Contact sessions: opening one (identifying the caller) and verifying who is on the line."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.errors import Conflict, InvalidInput, NotFound, ServiceError
from frontdoor_common.models import utcnow
from frontdoor_members import notifier
from frontdoor_members.contacts import repository, verification
from frontdoor_members.contacts.models import Contact, VerificationAttempt
from frontdoor_members.contacts.schemas import (
    ContactCreate,
    ContactCreated,
    ContactPublic,
    VerificationResult,
    VerifyRequest,
)
from frontdoor_members.crypto import Vault
from frontdoor_members.identity import names
from frontdoor_members.members import lookup
from frontdoor_members.members import repository as members
from frontdoor_members.members.models import Member
from frontdoor_members.members.service import parse_national_id
from frontdoor_members.settings import Settings
from frontdoor_members.tenants import service as tenants


class ContactLocked(ServiceError):
    """Too many failed verification attempts on this contact."""

    status = 423
    error_id = "contact_locked"
    title = "Contact locked"


def public(contact: Contact, max_attempts: int) -> ContactPublic:
    """The response shape of a contact."""
    now = utcnow()
    return ContactPublic(
        id=contact.id,
        channel=contact.channel,
        caller_number=contact.caller_number,
        call_id=contact.call_id,
        recognised_member_id=contact.recognised_member_id,
        candidate_count=contact.candidates,
        member_id=contact.member_id,
        level=contact.level,
        scopes=list(contact.scopes),
        verified=contact.level != "none" and verification.is_open(contact, now),
        verified_at=contact.verified_at,
        failed_attempts=contact.failed_attempts,
        attempts_left=max(0, max_attempts - contact.failed_attempts),
        locked=contact.locked_at is not None,
        active=verification.is_open(contact, now),
        created_at=contact.created_at,
        expires_at=contact.expires_at,
        closed_at=contact.closed_at,
    )


async def require(session: AsyncSession, tenant_id: str, contact_id: uuid.UUID) -> Contact:
    """The tenant's contact, or 404."""
    contact = await repository.get(session, tenant_id, contact_id)
    if contact is None:
        raise NotFound("No such contact.", error_id="contact_not_found")
    return contact


async def open_contact(
    session: AsyncSession, principal: Principal, settings: Settings, outbox: Outbox, body: ContactCreate
) -> ContactCreated:
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
    contact = Contact(
        tenant_id=principal.tenant_id,
        channel=body.channel,
        caller_number=number,
        call_id=body.call_id,
        agent=principal.subject,
        recognised_member_id=recognised,
        candidates=len(candidates),
        member_id=None,
        expires_at=utcnow() + timedelta(minutes=settings.contact_ttl_minutes),
    )
    session.add(contact)
    await session.flush()
    if recognised is not None:
        await notifier.contact_identified(session, outbox, contact)
    return ContactCreated(**public(contact, settings.max_verification_attempts).model_dump(), candidates=candidates)


async def close(session: AsyncSession, tenant_id: str, contact_id: uuid.UUID) -> Contact:
    """End a contact: its verification no longer opens anything."""
    contact = await require(session, tenant_id, contact_id)
    if contact.closed_at is None:
        contact.closed_at = utcnow()
        await session.flush()
    return contact


def _missing(field: str, why: str) -> NoReturn:
    raise InvalidInput(f"{field} is required {why}.", error_id="verification_field_missing", field=field)


def _need(value: str | None, field: str, why: str) -> str:
    if value is None or not value.strip():
        _missing(field, why)
    return value


def _stored_id(member: Member | None, vault: Vault) -> tuple[str | None, bool]:
    if member is None or member.national_id_encrypted is None:
        return None, False
    return vault.decrypt(member.national_id_encrypted), member.national_id_kind == "placeholder"


async def verify(
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    vault: Vault,
    outbox: Outbox,
    contact_id: uuid.UUID,
    body: VerifyRequest,
) -> VerificationResult:
    """One attempt by one of the union's three paths; failures count, and the contact locks at the limit."""
    tenant_id = principal.tenant_id
    contact = await require(session, tenant_id, contact_id)
    now = utcnow()
    if contact.locked_at is not None:
        raise ContactLocked("Too many failed attempts: this contact is locked. Open a new contact to try again later.")
    if not verification.is_open(contact, now):
        raise Conflict("This contact is closed or expired.", error_id="contact_closed")
    rules = await tenants.rules(session, tenant_id, settings.default_country)

    decision: verification.Decision
    if body.method == "member":
        given = parse_national_id(_need(body.national_id, "national_id", "to verify a member"), rules)
        member: Member | None
        if body.member_number:
            member = await members.by_number(session, tenant_id, body.member_number.strip())
        elif body.member_id is not None and contact.caller_number is not None:
            member = await members.get(session, tenant_id, body.member_id)
            registered = {p.e164 for p in await members.phones(session, body.member_id)} if member else set()
            if member is not None and contact.caller_number not in registered:
                _missing("member_number", "when the caller is not recognised by their number")
        else:
            _missing("member_number", "when the caller is not recognised by their number")
        stored, stored_placeholder = _stored_id(member, vault)
        decision = verification.member_themself(
            member.id if member else None, stored, stored_placeholder, given.value, given.placeholder
        )
    elif body.method == "invoice":
        kid = lookup.parse_kid(_need(body.kid, "kid", "to verify about an invoice"))
        name = _need(body.name, "name", "to verify about an invoice")
        given = parse_national_id(_need(body.national_id, "national_id", "to verify about an invoice"), rules)
        member = await lookup.member_for_kid(session, tenant_id, kid)
        stored, stored_placeholder = _stored_id(member, vault)
        decision = verification.on_behalf_about_invoice(
            member.id if member else None,
            member is not None and names.matches(name, member.first_name, member.last_name),
            stored,
            stored_placeholder,
            given.value,
            given.placeholder,
        )
    else:
        name = _need(body.name, "name", "(the caller's) to verify a third party")
        if body.member_number:
            member = await members.by_number(session, tenant_id, body.member_number.strip())
        elif body.member_id is not None:
            member = await members.get(session, tenant_id, body.member_id)
        else:
            _missing("member_number", "(or member_id) to verify a third party")
        has_power = False
        if member is not None:
            for power in await members.powers_of_attorney(session, member.id):
                phone_ok = power.grantee_phone is None or contact.caller_number in (None, power.grantee_phone)
                if phone_ok and names.same_person(name, power.grantee_name):
                    has_power = True
        decision = verification.third_party_about_case(member.id if member else None, has_power)

    session.add(
        VerificationAttempt(
            tenant_id=tenant_id,
            contact_id=contact.id,
            method=body.method,
            success=decision.verified,
            failure=decision.failure,
            member_id=decision.member_id,
            agent=principal.subject,
        )
    )
    if decision.verified:
        contact.level = decision.level
        contact.scopes = decision.scopes
        contact.member_id = decision.member_id
        contact.verified_at = now
    else:
        contact.failed_attempts += 1
        if contact.failed_attempts >= settings.max_verification_attempts:
            contact.locked_at = now
            # a locked contact opens nothing, whatever it reached before
            contact.level, contact.scopes = "none", []
    await session.flush()
    if decision.verified:
        await notifier.contact_verified(session, outbox, contact)
    elif contact.locked_at is not None:
        await notifier.contact_locked(session, outbox, contact)
    shown = public(contact, settings.max_verification_attempts)
    return VerificationResult(
        verified=decision.verified,
        level=contact.level,
        member_id=decision.member_id if decision.verified else None,
        failure=decision.failure,
        attempts_left=shown.attempts_left,
        contact=shown,
    )
