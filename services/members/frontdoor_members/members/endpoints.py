"""Members, lookups, invoices and powers of attorney over HTTP. Thin: parse, call, return."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from frontdoor_common.errors import InvalidInput
from frontdoor_common.service import SessionDep
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import Admin, ContactIdDep, PageDep, Reader, RequestIdDep, Writer
from frontdoor_members.members import invoices, lookup, personal_data, powers, repository, service
from frontdoor_members.members.schemas import (
    MEMBER_NUMBER_PATTERN,
    CandidateList,
    InvoiceCreate,
    InvoiceUpdate,
    InvoiceView,
    KidLookup,
    MemberCreate,
    MemberUpdate,
    MemberView,
    PowerOfAttorneyCreate,
    PowerOfAttorneyView,
    ReencryptionView,
)
from frontdoor_members.messages.rotation import reencrypt_texts
from frontdoor_members.tenants import service as tenants

router = APIRouter(tags=["members"])


@router.post("/v1/members", response_model=MemberView, status_code=201, summary="Register a member")
async def create_member(body: MemberCreate, session: SessionDep, ctx: ContextDep, principal: Writer) -> MemberView:
    """Register a member (national ID validated by the tenant's country, stored encrypted, shown masked)."""
    member, phones = await service.create(
        session,
        principal,
        ctx.notifier,
        ctx.vault,
        body,
        now=ctx.clock.now(),
        default_country=ctx.settings.default_country,
    )
    return personal_data.view(member, phones)


@router.get(
    "/v1/members/lookup", response_model=CandidateList, summary="Who is calling: lookup by phone or member number"
)
async def lookup_member(
    ctx: ContextDep,
    principal: Reader,
    phone: Annotated[str | None, Query(max_length=40, description="any local format; -NNN suffix accepted")] = None,
    member_number: Annotated[str | None, Query(pattern=MEMBER_NUMBER_PATTERN)] = None,
) -> CandidateList:
    """CandidateList for a caller's number (several for a shared number) or a member number.

    A read: no write transaction (on SQLite that would queue behind every writer). By phone it
    answers from the in-process phone index when it can (members/phone_index.py)."""
    if phone is not None:
        return await lookup.caller(ctx.db, ctx.phone_index, principal.tenant_id, phone, ctx.settings.default_country)
    if member_number is not None:
        async with ctx.db.snapshot() as session:
            return await lookup.by_member_number(session, principal.tenant_id, member_number)
    raise InvalidInput("Give phone or member_number.", error_id="lookup_key_missing", field="phone")


@router.post(
    "/v1/members/lookup/kid", response_model=CandidateList, summary="Lookup by an invoice's KID and the name given"
)
async def lookup_by_kid(body: KidLookup, session: SessionDep, principal: Reader) -> CandidateList:
    """The member a KID belongs to, only if the name given matches."""
    return await lookup.by_kid(session, principal.tenant_id, body.kid, body.name)


@router.get("/v1/members/{member_id}", response_model=MemberView, summary="A member (personal data masked)")
async def get_member(
    member_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    principal: Reader,
    contact_id: ContactIdDep,
    request_id: RequestIdDep,
    purpose: Annotated[
        str, Query(min_length=1, max_length=100, description="why personal data is read")
    ] = "member_service",
) -> MemberView:
    """The member. National ID and address are revealed, and the read audited, only with a verified
    contact for this member (X-Contact-Id or contact_id) and the members:pii scope."""
    return await personal_data.read(
        session,
        principal,
        ctx.vault,
        member_id,
        contact_id=contact_id,
        purpose=purpose,
        request_id=request_id,
        now=ctx.clock.now(),
    )


@router.patch("/v1/members/{member_id}", response_model=MemberView, summary="Change a member's data")
async def update_member(
    member_id: uuid.UUID, body: MemberUpdate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> MemberView:
    """Change the given fields (a new address clears the returned-mail flag)."""
    member, phones = await service.update(
        session,
        principal,
        ctx.notifier,
        ctx.vault,
        member_id,
        body,
        now=ctx.clock.now(),
        default_country=ctx.settings.default_country,
    )
    return personal_data.view(member, phones)


@router.post(
    "/v1/members/{member_id}/invoices", response_model=InvoiceView, status_code=201, summary="Add a dues invoice"
)
async def add_invoice(
    member_id: uuid.UUID, body: InvoiceCreate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> InvoiceView:
    """Add an invoice; the KID starts with the member number (made from it when not given)."""
    member = await repository.require(session, principal.tenant_id, member_id)
    rules = await tenants.rules(session, principal.tenant_id, ctx.settings.default_country)
    invoice = await invoices.add(session, rules, member, body, now=ctx.clock.now())
    return InvoiceView.model_validate(invoice, from_attributes=True)


@router.get("/v1/members/{member_id}/invoices", response_model=list[InvoiceView], summary="A member's invoices")
async def list_invoices(
    member_id: uuid.UUID, session: SessionDep, principal: Reader, page: PageDep
) -> list[InvoiceView]:
    """The member's invoices, newest due date first."""
    rows = await service.invoices(session, principal.tenant_id, member_id, offset=page.offset, limit=page.limit)
    return [InvoiceView.model_validate(i, from_attributes=True) for i in rows]


@router.patch("/v1/invoices/{invoice_id}", response_model=InvoiceView, summary="Mark an invoice paid or unpaid")
async def mark_invoice(
    invoice_id: uuid.UUID, body: InvoiceUpdate, session: SessionDep, principal: Writer
) -> InvoiceView:
    """Mark the invoice paid (with the date) or unpaid."""
    invoice = await invoices.mark(session, principal.tenant_id, invoice_id, body)
    return InvoiceView.model_validate(invoice, from_attributes=True)


@router.post(
    "/v1/members/{member_id}/powers-of-attorney",
    response_model=PowerOfAttorneyView,
    status_code=201,
    summary="Record the member's oral power of attorney",
)
async def record_power(
    member_id: uuid.UUID, body: PowerOfAttorneyCreate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> PowerOfAttorneyView:
    """Record, on a contact verified as the member, that someone may discuss their case."""
    member = await repository.require(session, principal.tenant_id, member_id)
    rules = await tenants.rules(session, principal.tenant_id, ctx.settings.default_country)
    power = await powers.record(session, principal, rules, member, body, now=ctx.clock.now())
    return PowerOfAttorneyView.model_validate(power, from_attributes=True)


@router.get(
    "/v1/members/{member_id}/powers-of-attorney",
    response_model=list[PowerOfAttorneyView],
    summary="A member's active powers of attorney",
)
async def list_powers(
    member_id: uuid.UUID, session: SessionDep, principal: Reader, page: PageDep
) -> list[PowerOfAttorneyView]:
    """The member's active powers of attorney."""
    rows = await service.powers_of_attorney(
        session, principal.tenant_id, member_id, offset=page.offset, limit=page.limit
    )
    return [PowerOfAttorneyView.model_validate(p, from_attributes=True) for p in rows]


@router.post(
    "/v1/members/{member_id}/powers-of-attorney/{power_id}/revoke",
    response_model=PowerOfAttorneyView,
    summary="Revoke a power of attorney",
)
async def revoke_power(
    member_id: uuid.UUID, power_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Writer
) -> PowerOfAttorneyView:
    """Revoke it: the third party can no longer be verified with it."""
    member = await repository.require(session, principal.tenant_id, member_id)
    power = await powers.revoke(session, principal.tenant_id, member, power_id, now=ctx.clock.now())
    return PowerOfAttorneyView.model_validate(power, from_attributes=True)


@router.post(
    "/admin/members/reencrypt",
    response_model=ReencryptionView,
    tags=["operations"],
    summary="Re-encrypt national IDs with the newest data key (after a rotation)",
)
async def reencrypt(session: SessionDep, ctx: ContextDep, _principal: Admin) -> ReencryptionView:
    """Rotate every stored national ID and message text to the first key of MEMBERS_DATA_KEYS."""
    changed, current = await personal_data.reencrypt(session, ctx.vault)
    texts = await reencrypt_texts(session, ctx.vault)  # messages' and replies' texts
    return ReencryptionView(reencrypted=changed + texts[0], already_current=current + texts[1])
