"""Dues invoices with KID numbers."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_members.identity import kid as kids
from frontdoor_members.members import repository
from frontdoor_members.members.lookup import parse_kid
from frontdoor_members.members.models import Invoice, Member
from frontdoor_members.members.schemas import MEMBER_NUMBER_PATTERN, InvoiceCreate, InvoiceUpdate
from frontdoor_members.tenants.service import TenantRules


async def add(
    session: AsyncSession, rules: TenantRules, member: Member, body: InvoiceCreate, *, now: datetime
) -> Invoice:
    """Add an invoice; its KID must start with the member number (and, in Norway, carry a valid check digit)."""
    if not re.fullmatch(MEMBER_NUMBER_PATTERN, member.member_number):
        # registered before member numbers were held to 1-20 ASCII digits: no KID can be made from it
        raise Conflict(
            "The member number cannot carry a KID: correct it first.",
            error_id="member_number_unusable",
            field="member_number",
        )
    if body.kid is None:
        kid = kids.make(member.member_number, await repository.count_invoices(session, member.id) + 1)
    else:
        kid = parse_kid(body.kid) if rules.country == "NO" else body.kid.replace(" ", "")
        if not re.fullmatch(r"[0-9]{1,24}[0-9-]", kid):  # ASCII digits (str.isdigit takes any script's)
            raise InvalidInput("kid: 2 to 25 digits 0-9.", error_id="invalid_kid", field="kid")
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
        created_at=now,
    )
    session.add(invoice)
    await session.flush()
    return invoice


async def mark(session: AsyncSession, tenant_id: str, invoice_id: uuid.UUID, body: InvoiceUpdate) -> Invoice:
    """Mark an invoice paid (with the date) or unpaid."""
    invoice = await repository.invoice(session, tenant_id, invoice_id)
    if invoice is None:
        raise NotFound("No such invoice.", error_id="invoice_not_found")
    given = body.model_fields_set
    paid = body.paid if "paid" in given else invoice.paid
    # marking it unpaid clears the date
    paid_on = body.paid_on if "paid_on" in given else (invoice.paid_on if paid else None)
    if paid_on is not None and not paid:
        raise InvalidInput("paid_on needs paid: true.", field="paid_on")
    invoice.paid, invoice.paid_on = paid, paid_on
    await session.flush()
    return invoice
