"""The audit trail of a member's personal data over HTTP."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy import text

from frontdoor_common.service import SessionDep
from frontdoor_members.audit import service
from frontdoor_members.audit.schemas import ChainVerificationView, PersonalDataReadView
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import Admin, PageDep, Reader

router = APIRouter(tags=["audit"])


@router.get(
    "/v1/members/{member_id}/audit",
    response_model=list[PersonalDataReadView],
    summary="Who read this member's personal data, why and when",
)
async def member_audit(
    member_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
) -> list[PersonalDataReadView]:
    """The latest reads of the member's national ID and address."""
    rows = await service.reads_of(session, principal.tenant_id, member_id, offset=page.offset, limit=page.limit)
    return [PersonalDataReadView.model_validate(r, from_attributes=True) for r in rows]


@router.get(
    "/admin/audit/verify",
    response_model=ChainVerificationView,
    tags=["operations"],
    summary="Whether the tenant's audit trail was altered (its hash chain verifies)",
)
async def verify_chain(ctx: ContextDep, principal: Admin) -> ChainVerificationView:
    """Walk the caller's tenant's chain in a read-only snapshot (it blocks no audited read)."""
    async with ctx.db.snapshot() as session:
        if ctx.db.dialect == "postgresql":
            await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        result = await service.verify(session, principal.tenant_id)
    return ChainVerificationView(**service.report(result))
