"""Record checks over HTTP."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from frontdoor_common.service import SessionDep
from frontdoor_members.checks import service
from frontdoor_members.checks.schemas import ChecklistView
from frontdoor_members.deps import ContactIdDep, Reader

router = APIRouter(tags=["checks"])


@router.get(
    "/v1/members/{member_id}/checks", response_model=ChecklistView, summary="What to check in the member's record"
)
async def checks(
    member_id: uuid.UUID, session: SessionDep, principal: Reader, contact_id: ContactIdDep
) -> ChecklistView:
    """Calling number differs, email missing, returned mail, placeholder national ID."""
    return await service.for_member(session, principal.tenant_id, member_id, contact_id)
