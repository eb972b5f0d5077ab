"""The audit trail of a member's personal data over HTTP."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from frontdoor_common.errors import NotFound
from frontdoor_common.service import SessionDep
from frontdoor_members.audit import repository
from frontdoor_members.audit.schemas import PersonalDataReadPublic
from frontdoor_members.deps import Reader
from frontdoor_members.members import repository as members

router = APIRouter(tags=["audit"])


@router.get(
    "/v1/members/{member_id}/audit",
    response_model=list[PersonalDataReadPublic],
    summary="Who read this member's personal data, why and when",
)
async def member_audit(
    member_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PersonalDataReadPublic]:
    """The latest reads of the member's national ID and address."""
    if await members.get(session, principal.tenant_id, member_id) is None:
        raise NotFound("No such member.", error_id="member_not_found")
    rows = await repository.reads_of(session, principal.tenant_id, member_id, limit)
    return [PersonalDataReadPublic.model_validate(r, from_attributes=True) for r in rows]
