"""Finding members: by the caller's number, by member number, by KID and name."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.errors import InvalidInput
from frontdoor_common.notifier import snapshot
from frontdoor_members.identity import IdentityError, names
from frontdoor_members.identity import kid as kids
from frontdoor_members.identity.phone import normalise
from frontdoor_members.members import repository
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.members.schemas import CandidateList, CandidateView


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
    """Every member registered with this number (a shared family number gives several)."""
    rows = await repository.candidates_by_phone(session, tenant_id, e164)
    return CandidateList(number=e164, candidates=[candidate(m, p) for m, p in rows])


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
