"""Dues invoices with KID numbers."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_members.identity import kid as kids
from frontdoor_members.members import repository
from frontdoor_members.members.lookup import parse_kid
from frontdoor_members.members.models import Invoice, Member
from frontdoor_members.members.schemas import InvoiceCreate, InvoiceUpdate
from frontdoor_members.tenants.service import TenantRules


async def add(session: AsyncSession, rules: TenantRules, member: Member, body: InvoiceCreate) -> Invoice:
    """Add an invoice; its KID must start with the member number (and, in Norway, carry a valid check digit)."""
    if body.kid is None:
        kid = kids.make(member.member_number, await repository.count_invoices(session, member.id) + 1)
    else:
        kid = parse_kid(body.kid) if rules.country == "NO" else body.kid.replace(" ", "")
        if not kid.isdigit() and rules.country != "NO":
            raise InvalidInput("kid: digits only.", error_id="invalid_kid", field="kid")
        if not kid[:-1].startswith(member.member_number):
            raise InvalidInput(
                "kid: the KID's leading digits must be the member number.", error_id="kid_member_mismatch", field="kid"
            )
    if await repository.invoice_by_kid(session, member.tenant_id, kid) is not None:
        raise Conflict("An invoice with this KID exists.", error_id="kid_taken", field="kid")
    if body.paid_on is not None and not body.paid:
        raise InvalidInput("paid_on needs paid: true.", field="paid_on")
    invoice = Invoice(
        tenant_id=member.tenant_id,
        member_id=member.id,
        kid=kid,
        amount=body.amount,
        currency=body.currency,
        due_date=body.due_date,
        paid=body.paid,
        paid_on=body.paid_on,
        description=body.description,
    )
    session.add(invoice)
    await session.flush()
    return invoice


async def mark(session: AsyncSession, tenant_id: str, invoice_id: uuid.UUID, body: InvoiceUpdate) -> Invoice:
    """Mark an invoice paid (with the date) or unpaid."""
    invoice = await repository.invoice(session, tenant_id, invoice_id)
    if invoice is None:
        raise NotFound("No such invoice.", error_id="invoice_not_found")
    invoice.paid = body.paid
    invoice.paid_on = body.paid_on if body.paid else None
    await session.flush()
    return invoice
