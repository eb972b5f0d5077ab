"""Forwards and follow-ups over HTTP. Thin: parse, call the service, return the view."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from frontdoor_common.service import SessionDep
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import PageDep, Reader, RequestIdDep, Writer
from frontdoor_members.forwards import service
from frontdoor_members.forwards.models import FollowUp, Forward, OutgoingMail
from frontdoor_members.forwards.schemas import (
    DepartmentRef,
    FollowUpStatus,
    FollowUpView,
    ForwardCreate,
    ForwardStatus,
    ForwardView,
)
from frontdoor_members.tenants.models import Department

router = APIRouter(tags=["forwards"])


def forward_view(
    row: Forward, outgoing: OutgoingMail, followup: FollowUp | None, department: Department | None
) -> ForwardView:
    """The forward as the agent sees it (a mail being sent right now is still pending)."""
    return ForwardView(
        id=row.id,
        member_id=row.member_id,
        department=DepartmentRef(
            id=row.department_id,
            code=department.code if department else "",
            name=department.name if department else "",
        ),
        reason=row.reason,
        deadline=row.deadline,
        status="pending" if outgoing.status == "sending" else outgoing.status,
        attempts=outgoing.attempts,
        last_error=outgoing.last_error,
        sent_at=outgoing.sent_at,
        message_id=outgoing.message_id,
        followup_id=followup.id if followup else None,
        dossier_entry_id=row.dossier_entry_id,
        author=row.author,
        created_at=row.created_at,
    )


def _followup_view(row: FollowUp) -> FollowUpView:
    return FollowUpView.model_validate(row, from_attributes=True)


@router.post(
    "/v1/members/{member_id}/forwards",
    response_model=ForwardView,
    status_code=201,
    summary="Forward the member's enquiry by email to a department's case worker",
)
async def create_forward(
    member_id: uuid.UUID,
    body: ForwardCreate,
    session: SessionDep,
    ctx: ContextDep,
    principal: Writer,
    request_id: RequestIdDep,
) -> ForwardView:
    """Queue the mail (to the member's department by default), write a dated remark in the dossier,
    record the member's deadline as a follow-up, in one transaction. The mail leaves in the
    background: `status` pending until the relay accepted it. 422 names the field: a department
    missing or without email (`department_id`), a reason not the tenant's or with a line break
    (`reason`), a deadline in the past (`deadline`). Another tenant's member is a 404."""
    row, outgoing, followup, department = await service.forward(
        session,
        principal,
        ctx.forwards_notifier,
        ctx.notifier,
        ctx.mail_queue,
        ctx.forward_rules,
        member_id,
        body,
        now=ctx.clock.now(),
        request_id=request_id,
    )
    return forward_view(row, outgoing, followup, department)


@router.get("/v1/forwards", response_model=list[ForwardView], summary="The tenant's forwards")
async def list_forwards(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    status: Annotated[ForwardStatus | None, Query(description="pending, sent or failed")] = None,
) -> list[ForwardView]:
    """Forwards newest first: pending ones with their attempts and last error, sent ones with sent_at."""
    rows = await service.page(session, principal.tenant_id, status=status, offset=page.offset, limit=page.limit)
    return [forward_view(*r) for r in rows]


@router.get("/v1/forwards/{forward_id}", response_model=ForwardView, summary="One forward")
async def get_forward(forward_id: uuid.UUID, session: SessionDep, principal: Reader) -> ForwardView:
    """The forward and where its mail is (404 for another tenant's)."""
    return forward_view(*await service.require_forward(session, principal.tenant_id, forward_id))


@router.get("/v1/followups", response_model=list[FollowUpView], summary="The tenant's follow-ups")
async def list_followups(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    status: Annotated[FollowUpStatus | None, Query(description="open, escalated or done")] = None,
) -> list[FollowUpView]:
    """Members' deadlines being watched, the soonest escalation first."""
    rows = await service.followups(session, principal.tenant_id, status=status, offset=page.offset, limit=page.limit)
    return [_followup_view(r) for r in rows]


@router.get("/v1/followups/{followup_id}", response_model=FollowUpView, summary="One follow-up")
async def get_followup(followup_id: uuid.UUID, session: SessionDep, principal: Reader) -> FollowUpView:
    """The follow-up (404 for another tenant's)."""
    return _followup_view(await service.require_followup(session, principal.tenant_id, followup_id))


@router.post("/v1/followups/{followup_id}/done", response_model=FollowUpView, summary="Mark a follow-up done")
async def followup_done(
    followup_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Writer
) -> FollowUpView:
    """The member's deadline is taken care of: no escalation from now on (done again changes nothing)."""
    return _followup_view(await service.done(session, principal, followup_id, now=ctx.clock.now()))
