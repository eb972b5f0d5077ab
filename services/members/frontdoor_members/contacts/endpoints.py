"""Contact sessions and verification over HTTP."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from frontdoor_common.service import RuntimeDep, SessionDep
from frontdoor_members.contacts import service
from frontdoor_members.contacts.schemas import (
    ContactCreate,
    ContactCreated,
    ContactPublic,
    VerificationResult,
    VerifyRequest,
)
from frontdoor_members.deps import Reader, VaultDep, Writer, settings_of

router = APIRouter(tags=["contacts"])


@router.post("/v1/contacts", response_model=ContactCreated, status_code=201, summary="Open a contact session")
async def open_contact(
    body: ContactCreate, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> ContactCreated:
    """Open a contact (call, mail, chat); the caller's number is matched to members."""
    return await service.open_contact(session, principal, settings_of(runtime), runtime.outbox, body)


@router.get("/v1/contacts/{contact_id}", response_model=ContactPublic, summary="A contact and its verification level")
async def get_contact(
    contact_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, principal: Reader
) -> ContactPublic:
    """The contact's verification level, for other services to check."""
    contact = await service.require(session, principal.tenant_id, contact_id)
    return service.public(contact, settings_of(runtime).max_verification_attempts)


@router.post(
    "/v1/contacts/{contact_id}/verify",
    response_model=VerificationResult,
    summary="Verify the caller by one of the union's paths",
    responses={423: {"description": "Locked after too many failed attempts (problem+json)"}},
)
async def verify(
    contact_id: uuid.UUID,
    body: VerifyRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    vault: VaultDep,
    principal: Writer,
) -> VerificationResult:
    """One verification attempt; a failed one is counted (200, verified false)."""
    return await service.verify(session, principal, settings_of(runtime), vault, runtime.outbox, contact_id, body)


@router.post("/v1/contacts/{contact_id}/close", response_model=ContactPublic, summary="End a contact")
async def close(contact_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, principal: Writer) -> ContactPublic:
    """End the contact; its verification stops opening personal data."""
    contact = await service.close(session, principal.tenant_id, contact_id)
    return service.public(contact, settings_of(runtime).max_verification_attempts)
