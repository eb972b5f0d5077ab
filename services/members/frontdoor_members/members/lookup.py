"""Finding members: by the caller's number, by member number, by KID and name."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.db import Database
from frontdoor_common.errors import InvalidInput
from frontdoor_common.notifier import snapshot
from frontdoor_members.identity import IdentityError, names
from frontdoor_members.identity import kid as kids
from frontdoor_members.identity.phone import normalise
from frontdoor_members.members import repository
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.members.phone_index import Entry, PhoneIndex, order_key
from frontdoor_members.members.schemas import CandidateList, CandidateView
from frontdoor_members.tenants import service as tenants


def candidate(member: Member, phone: MemberPhone | None = None) -> CandidateView:
    """A lookup candidate (no personal data beyond the name)."""
    return snapshot(
        CandidateView,
        member,
        member_id=member.id,
        matched_number=phone.e164 if phone else None,
        phone_kind=phone.kind if phone else None,
    )


def caller_number(raw: str, region: str, field: str = "phone") -> str:
    """The caller's number in E.164 (local formats and switchboard suffixes accepted)."""
    try:
        return normalise(raw, region, strict=False)
    except IdentityError as exc:
        raise InvalidInput(f"{field}: {exc}.", error_id="invalid_phone", field=field) from None


async def by_phone(session: AsyncSession, tenant_id: str, e164: str) -> CandidateList:
    """Every member registered with this number (a shared family number gives several), from the database."""
    rows = await repository.candidates_by_phone(session, tenant_id, e164)
    rows.sort(key=lambda row: order_key(row[0].last_name, row[0].first_name, row[0].id))  # the index's order
    return CandidateList(number=e164, candidates=[candidate(m, p) for m, p in rows])


def from_entry(e164: str, entry: Entry) -> CandidateView:
    """A lookup candidate from the phone index (the same fields as `candidate`)."""
    return CandidateView(
        member_id=entry.member_id,
        member_number=entry.member_number,
        first_name=entry.first_name,
        last_name=entry.last_name,
        department_id=entry.department_id,
        status=entry.status,
        matched_number=e164,
        phone_kind=entry.kind,
    )


def from_index(index: PhoneIndex, tenant_id: str, raw: str) -> CandidateList | None:
    """The caller's candidates from memory, or None when the index cannot vouch for them."""
    region = index.region(tenant_id)
    if region is None:
        return None
    e164 = caller_number(raw, region)
    entries = index.lookup(tenant_id, e164)
    if entries is None:
        return None
    return CandidateList(number=e164, candidates=[from_entry(e164, e) for e in entries])


async def from_database(db: Database, tenant_id: str, raw: str, default_country: str) -> CandidateList:
    """The caller's candidates read from the database (a read transaction: no write lock)."""
    async with db.snapshot() as session:
        rules = await tenants.rules(session, tenant_id, default_country)
        return await by_phone(session, tenant_id, caller_number(raw, rules.phone_region))


async def caller(
    db: Database, index: PhoneIndex | None, tenant_id: str, raw: str, default_country: str
) -> CandidateList:
    """Who may be calling from `raw`: from the phone index when it can answer, else the database."""
    found = from_index(index, tenant_id, raw) if index is not None else None
    return found if found is not None else await from_database(db, tenant_id, raw, default_country)


async def by_member_number(session: AsyncSession, tenant_id: str, member_number: str) -> CandidateList:
    """The member with this member number, if any."""
    member = await repository.by_number(session, tenant_id, member_number.strip())
    return CandidateList(candidates=[candidate(member)] if member else [])


def parse_kid(raw: str, field: str = "kid") -> str:
    """A KID with a valid check digit, or a problem naming the field."""
    try:
        return kids.validate(raw)
    except IdentityError as exc:
        raise InvalidInput(f"{field}: {exc}.", error_id="invalid_kid", field=field) from None


async def member_for_kid(session: AsyncSession, tenant_id: str, kid: str) -> Member | None:
    """The member a KID belongs to: by the invoice, else by its leading digits (the member number)."""
    invoice = await repository.invoice_by_kid(session, tenant_id, kid)
    if invoice is not None:
        return await repository.get(session, tenant_id, invoice.member_id)
    prefixes = kids.member_number_prefixes(kid)
    found = {m.member_number: m for m in await repository.by_numbers(session, tenant_id, prefixes)}
    for prefix in prefixes:  # the longest member number that fits wins
        if prefix in found:
            return found[prefix]
    return None


async def by_kid(session: AsyncSession, tenant_id: str, raw_kid: str, name: str) -> CandidateList:
    """The member whose invoice has this KID, only if the name given matches theirs."""
    member = await member_for_kid(session, tenant_id, parse_kid(raw_kid))
    if member is None or not names.matches(name, member.first_name, member.last_name):
        return CandidateList(candidates=[])
    return CandidateList(candidates=[candidate(member)])
