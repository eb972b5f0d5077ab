"""Membership changes over HTTP."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from frontdoor_common.service import SessionDep
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import PageDep, Reader, Writer
from frontdoor_members.membership import service
from frontdoor_members.membership.models import MembershipChange
from frontdoor_members.membership.schemas import (
    MembershipChangeCreate,
    MembershipChangeView,
    MembershipConfirmationCreate,
)

router = APIRouter(tags=["membership"])


def _view(change: MembershipChange) -> MembershipChangeView:
    return MembershipChangeView.model_validate(change, from_attributes=True)


@router.post(
    "/v1/members/{member_id}/membership-changes",
    response_model=MembershipChangeView,
    status_code=201,
    summary="Note a join, leave or move awaiting written confirmation",
)
async def request_change(
    member_id: uuid.UUID, body: MembershipChangeCreate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> MembershipChangeView:
    """The change awaits the member's written confirmation; the dossier notes it with the date."""
    change = await service.request(
        session,
        principal,
        ctx.notifier,
        member_id,
        body,
        now=ctx.clock.now(),
        default_country=ctx.settings.default_country,
    )
    return _view(change)


@router.get(
    "/v1/members/{member_id}/membership-changes",
    response_model=list[MembershipChangeView],
    summary="A member's membership changes",
)
async def list_changes(
    member_id: uuid.UUID, session: SessionDep, principal: Reader, page: PageDep
) -> list[MembershipChangeView]:
    """Newest first."""
    rows = await service.of_member(session, principal.tenant_id, member_id, offset=page.offset, limit=page.limit)
    return [_view(c) for c in rows]


@router.post(
    "/v1/membership-changes/{change_id}/confirm",
    response_model=MembershipChangeView,
    summary="The written confirmation arrived: apply the change",
)
async def confirm(
    change_id: uuid.UUID, body: MembershipConfirmationCreate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> MembershipChangeView:
    """Apply the change with its dates."""
    change = await service.confirm(session, principal, ctx.notifier, change_id, body, now=ctx.clock.now())
    return _view(change)


@router.post(
    "/v1/membership-changes/{change_id}/cancel", response_model=MembershipChangeView, summary="Cancel a change"
)
async def cancel(change_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Writer) -> MembershipChangeView:
    """Cancel a change still awaiting confirmation."""
    return _view(await service.cancel(session, principal, change_id, now=ctx.clock.now()))
