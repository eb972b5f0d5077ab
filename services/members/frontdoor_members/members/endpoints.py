"""Members, lookups, invoices and powers of attorney over HTTP. Thin: parse, call, return."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from frontdoor_common.errors import InvalidInput
from frontdoor_common.service import RuntimeDep, SessionDep
from frontdoor_members.deps import Admin, ContactIdDep, Reader, RequestIdDep, VaultDep, Writer, settings_of
from frontdoor_members.members import invoices, lookup, powers, repository, service
from frontdoor_members.members.schemas import (
    Candidates,
    InvoiceCreate,
    InvoicePublic,
    InvoiceUpdate,
    KidLookup,
    MemberCreate,
    MemberPublic,
    MemberUpdate,
    PowerOfAttorneyCreate,
    PowerOfAttorneyPublic,
    ReencryptResult,
)
from frontdoor_members.tenants import service as tenants

router = APIRouter(tags=["members"])


@router.post("/v1/members", response_model=MemberPublic, status_code=201, summary="Register a member")
async def create_member(
    body: MemberCreate, session: SessionDep, runtime: RuntimeDep, vault: VaultDep, principal: Writer
) -> MemberPublic:
    """Register a member (national ID validated by the tenant's country, stored encrypted, shown masked)."""
    member, phones = await service.create(
        session, principal, runtime.outbox, vault, body, default_country=settings_of(runtime).default_country
    )
    return service.public(member, phones)


@router.get("/v1/members/lookup", response_model=Candidates, summary="Who is calling: lookup by phone or member number")
async def lookup_member(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    phone: Annotated[str | None, Query(max_length=40, description="any local format; -NNN suffix accepted")] = None,
    member_number: Annotated[str | None, Query(max_length=32)] = None,
) -> Candidates:
    """Candidates for a caller's number (several for a shared number) or a member number."""
    if phone is not None:
        rules = await tenants.rules(session, principal.tenant_id, settings_of(runtime).default_country)
        return await lookup.by_phone(session, principal.tenant_id, lookup.caller_number(phone, rules.phone_region))
    if member_number is not None:
        return await lookup.by_member_number(session, principal.tenant_id, member_number)
    raise InvalidInput("Give phone or member_number.", error_id="lookup_key_missing", field="phone")


@router.post(
    "/v1/members/lookup/kid", response_model=Candidates, summary="Lookup by an invoice's KID and the name given"
)
async def lookup_by_kid(body: KidLookup, session: SessionDep, principal: Reader) -> Candidates:
    """The member a KID belongs to, only if the name given matches."""
    return await lookup.by_kid(session, principal.tenant_id, body.kid, body.name)


@router.get("/v1/members/{member_id}", response_model=MemberPublic, summary="A member (personal data masked)")
async def get_member(
    member_id: uuid.UUID,
    session: SessionDep,
    vault: VaultDep,
    principal: Reader,
    contact_id: ContactIdDep,
    request_id: RequestIdDep,
    purpose: Annotated[
        str, Query(min_length=1, max_length=100, description="why personal data is read")
    ] = "member_service",
) -> MemberPublic:
    """The member. National ID and address are revealed, and the read audited, only with a verified
    contact for this member (X-Contact-Id or contact_id) and the members:pii scope."""
    return await service.read(
        session, principal, vault, member_id, contact_id=contact_id, purpose=purpose, request_id=request_id
    )


@router.patch("/v1/members/{member_id}", response_model=MemberPublic, summary="Change a member's data")
async def update_member(
    member_id: uuid.UUID,
    body: MemberUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    vault: VaultDep,
    principal: Writer,
) -> MemberPublic:
    """Change the given fields (a new address clears the returned-mail flag)."""
    member, phones = await service.update(
        session, principal, runtime.outbox, vault, member_id, body, default_country=settings_of(runtime).default_country
    )
    return service.public(member, phones)


@router.post(
    "/v1/members/{member_id}/invoices", response_model=InvoicePublic, status_code=201, summary="Add a dues invoice"
)
async def add_invoice(
    member_id: uuid.UUID, body: InvoiceCreate, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> InvoicePublic:
    """Add an invoice; the KID starts with the member number (made from it when not given)."""
    member = await service.require(session, principal.tenant_id, member_id)
    rules = await tenants.rules(session, principal.tenant_id, settings_of(runtime).default_country)
    invoice = await invoices.add(session, rules, member, body)
    return InvoicePublic.model_validate(invoice, from_attributes=True)


@router.get("/v1/members/{member_id}/invoices", response_model=list[InvoicePublic], summary="A member's invoices")
async def list_invoices(member_id: uuid.UUID, session: SessionDep, principal: Reader) -> list[InvoicePublic]:
    """The member's invoices, newest due date first."""
    member = await service.require(session, principal.tenant_id, member_id)
    return [
        InvoicePublic.model_validate(i, from_attributes=True) for i in await repository.invoices(session, member.id)
    ]


@router.patch("/v1/invoices/{invoice_id}", response_model=InvoicePublic, summary="Mark an invoice paid or unpaid")
async def mark_invoice(
    invoice_id: uuid.UUID, body: InvoiceUpdate, session: SessionDep, principal: Writer
) -> InvoicePublic:
    """Mark the invoice paid (with the date) or unpaid."""
    invoice = await invoices.mark(session, principal.tenant_id, invoice_id, body)
    return InvoicePublic.model_validate(invoice, from_attributes=True)


@router.post(
    "/v1/members/{member_id}/powers-of-attorney",
    response_model=PowerOfAttorneyPublic,
    status_code=201,
    summary="Record the member's oral power of attorney",
)
async def record_power(
    member_id: uuid.UUID, body: PowerOfAttorneyCreate, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> PowerOfAttorneyPublic:
    """Record, on a contact verified as the member, that someone may discuss their case."""
    member = await service.require(session, principal.tenant_id, member_id)
    rules = await tenants.rules(session, principal.tenant_id, settings_of(runtime).default_country)
    power = await powers.record(session, principal, rules, member, body)
    return PowerOfAttorneyPublic.model_validate(power, from_attributes=True)


@router.get(
    "/v1/members/{member_id}/powers-of-attorney",
    response_model=list[PowerOfAttorneyPublic],
    summary="A member's active powers of attorney",
)
async def list_powers(member_id: uuid.UUID, session: SessionDep, principal: Reader) -> list[PowerOfAttorneyPublic]:
    """The member's active powers of attorney."""
    member = await service.require(session, principal.tenant_id, member_id)
    rows = await repository.powers_of_attorney(session, member.id)
    return [PowerOfAttorneyPublic.model_validate(p, from_attributes=True) for p in rows]


@router.post(
    "/v1/members/{member_id}/powers-of-attorney/{power_id}/revoke",
    response_model=PowerOfAttorneyPublic,
    summary="Revoke a power of attorney",
)
async def revoke_power(
    member_id: uuid.UUID, power_id: uuid.UUID, session: SessionDep, principal: Writer
) -> PowerOfAttorneyPublic:
    """Revoke it: the third party can no longer be verified with it."""
    member = await service.require(session, principal.tenant_id, member_id)
    power = await powers.revoke(session, principal.tenant_id, member, power_id)
    return PowerOfAttorneyPublic.model_validate(power, from_attributes=True)


@router.post(
    "/admin/members/reencrypt",
    response_model=ReencryptResult,
    tags=["operations"],
    summary="Re-encrypt national IDs with the newest data key (after a rotation)",
)
async def reencrypt(session: SessionDep, vault: VaultDep, _principal: Admin) -> ReencryptResult:
    """Rotate every stored national ID to the first key of MEMBERS_DATA_KEYS."""
    changed, current = await service.reencrypt(session, vault)
    return ReencryptResult(reencrypted=changed, already_current=current)
