"""One verification attempt on a contact, by one of the union's three paths (the rules are the pure
decisions of `verification.py`): failures count per contact, per member and per calling number,
and each limit locks."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.errors import Conflict, InvalidInput, ServiceError
from frontdoor_members.contacts import repository, verification
from frontdoor_members.contacts.models import VerificationAttempt
from frontdoor_members.contacts.schemas import VerificationCreate, VerificationView
from frontdoor_members.contacts.service import require, view
from frontdoor_members.crypto import Vault
from frontdoor_members.identity import names
from frontdoor_members.members import lookup
from frontdoor_members.members import repository as members
from frontdoor_members.members.models import Member
from frontdoor_members.members.parsing import parse_national_id
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.settings import Settings
from frontdoor_members.tenants import service as tenants


class ContactLocked(ServiceError):
    """Too many failed verification attempts on this contact."""

    status = 423
    error_id = "contact_locked"
    title = "Contact locked"


class VerificationLocked(ServiceError):
    """Too many failed attempts about this member or from this number, over every contact."""

    status = 423
    error_id = "verification_locked"
    title = "Verification locked"


# Every wrong answer gets this one code, so the caller never learns which half was wrong
# (the attempt row keeps the detailed reason for the audit).
NO_MATCH = "no_match"


async def _serialise(session: AsyncSession, *keys: str) -> None:
    """Hold a transaction-scoped lock per key (PostgreSQL), so parallel attempts about one member or
    from one number are counted one after another and can never together pass the limit. Keys are
    taken in the same order everywhere (contact, number, member): no deadlock. SQLite runs one
    writer at a time already."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for key in keys:
        digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": int.from_bytes(digest, "big", signed=True)}
        )


async def _refuse_if_locked(
    session: AsyncSession,
    settings: Settings,
    tenant_id: str,
    now: datetime,
    *,
    member_id: uuid.UUID | None = None,
    caller_number: str | None = None,
) -> None:
    if member_id is None and caller_number is None:
        return
    key = f"verify:{tenant_id}:member:{member_id}" if member_id else f"verify:{tenant_id}:number:{caller_number}"
    await _serialise(session, key)
    since = now - timedelta(minutes=settings.verification_lockout_minutes)
    limit = settings.max_member_verification_failures if member_id else settings.max_number_verification_failures
    failures = await repository.failures_since(
        session, tenant_id, since, member_id=member_id, caller_number=None if member_id else caller_number
    )
    if failures >= limit:
        # one answer for both locks, so it does not tell whether the member number was right
        raise VerificationLocked(
            "Too many failed verification attempts for this member or from this number: try again later.",
            retry_after_minutes=settings.verification_lockout_minutes,
        )


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
    notifier: MembersNotifier,
    contact_id: uuid.UUID,
    body: VerificationCreate,
    *,
    now: datetime,
) -> VerificationView:
    """One attempt by one of the union's three paths; failures count, and the contact locks at the limit."""
    tenant_id = principal.tenant_id
    await _serialise(session, f"verify:{tenant_id}:contact:{contact_id}")
    contact = await require(session, tenant_id, contact_id)
    await session.refresh(contact)  # what the attempt before this one (now committed) wrote
    if contact.locked_at is not None:
        raise ContactLocked("Too many failed attempts: this contact is locked. Open a new contact to try again later.")
    if not verification.is_open(contact, now):
        raise Conflict("This contact is closed or expired.", error_id="contact_closed")
    rules = await tenants.rules(session, tenant_id, settings.default_country)
    await _refuse_if_locked(session, settings, tenant_id, now, caller_number=contact.caller_number)

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
        await _refuse_if_locked(session, settings, tenant_id, now, member_id=member.id if member else None)
        stored, stored_placeholder = _stored_id(member, vault)
        decision = verification.member_themself(
            member.id if member else None, stored, stored_placeholder, given.value, given.placeholder
        )
    elif body.method == "invoice":
        kid = lookup.parse_kid(_need(body.kid, "kid", "to verify about an invoice"))
        name = _need(body.name, "name", "to verify about an invoice")
        given = parse_national_id(_need(body.national_id, "national_id", "to verify about an invoice"), rules)
        member = await lookup.member_for_kid(session, tenant_id, kid)
        await _refuse_if_locked(session, settings, tenant_id, now, member_id=member.id if member else None)
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
        await _refuse_if_locked(session, settings, tenant_id, now, member_id=member.id if member else None)
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
            caller_number=contact.caller_number,
            agent=principal.subject,
            at=now,
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
        await notifier.contact_verified(session, contact)
    elif contact.locked_at is not None:
        await notifier.contact_locked(session, contact)
    shown = view(contact, settings.max_verification_attempts, now)
    return VerificationView(
        verified=decision.verified,
        level=contact.level,
        member_id=decision.member_id if decision.verified else None,
        failure=None if decision.verified else NO_MATCH,
        attempts_left=shown.attempts_left,
        contact=shown,
    )
