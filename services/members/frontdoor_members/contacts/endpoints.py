"""Contact sessions and verification over HTTP."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from frontdoor_common.service import SessionDep
from frontdoor_members.contacts import attempts, service
from frontdoor_members.contacts.schemas import (
    ContactCreate,
    ContactView,
    NewContactView,
    VerificationCreate,
    VerificationView,
)
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import Reader, Writer

router = APIRouter(tags=["contacts"])


@router.post("/v1/contacts", response_model=NewContactView, status_code=201, summary="Open a contact session")
async def open_contact(body: ContactCreate, session: SessionDep, ctx: ContextDep, principal: Writer) -> NewContactView:
    """Open a contact (call, mail, chat); the caller's number is matched to members."""
    return await service.open_contact(session, principal, ctx.settings, ctx.notifier, body, now=ctx.clock.now())


@router.get("/v1/contacts/{contact_id}", response_model=ContactView, summary="A contact and its verification level")
async def get_contact(contact_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Reader) -> ContactView:
    """The contact's verification level, for other services to check."""
    contact = await service.require(session, principal.tenant_id, contact_id)
    return service.view(contact, ctx.settings.max_verification_attempts, ctx.clock.now())


@router.post(
    "/v1/contacts/{contact_id}/verify",
    response_model=VerificationView,
    summary="Verify the caller by one of the union's paths",
    responses={
        423: {
            "description": "contact_locked: this contact had too many failed attempts; verification_locked:"
            " too many about this member or from this number, over every contact (problem+json)"
        }
    },
)
async def verify(
    contact_id: uuid.UUID, body: VerificationCreate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> VerificationView:
    """One verification attempt; a failed one is counted (200, verified false)."""
    return await attempts.verify(
        session, principal, ctx.settings, ctx.vault, ctx.notifier, contact_id, body, now=ctx.clock.now()
    )


@router.post("/v1/contacts/{contact_id}/close", response_model=ContactView, summary="End a contact")
async def close(contact_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Writer) -> ContactView:
    """End the contact; its verification stops opening personal data."""
    now = ctx.clock.now()
    contact = await service.close(session, principal.tenant_id, contact_id, now=now)
    return service.view(contact, ctx.settings.max_verification_attempts, now)
