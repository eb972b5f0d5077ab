"""Membership changes over HTTP."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from frontdoor_common.service import RuntimeDep, SessionDep
from frontdoor_members.deps import Reader, Writer
from frontdoor_members.members.service import require
from frontdoor_members.membership import repository, service
from frontdoor_members.membership.schemas import (
    MembershipChangeConfirm,
    MembershipChangeCreate,
    MembershipChangePublic,
)

router = APIRouter(tags=["membership"])


def _public(change: object) -> MembershipChangePublic:
    return MembershipChangePublic.model_validate(change, from_attributes=True)


@router.post(
    "/v1/members/{member_id}/membership-changes",
    response_model=MembershipChangePublic,
    status_code=201,
    summary="Note a join, leave or move awaiting written confirmation",
)
async def request_change(
    member_id: uuid.UUID, body: MembershipChangeCreate, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> MembershipChangePublic:
    """The change awaits the member's written confirmation; the dossier notes it with the date."""
    return _public(await service.request(session, principal, runtime.outbox, member_id, body))


@router.get(
    "/v1/members/{member_id}/membership-changes",
    response_model=list[MembershipChangePublic],
    summary="A member's membership changes",
)
async def list_changes(member_id: uuid.UUID, session: SessionDep, principal: Reader) -> list[MembershipChangePublic]:
    """Newest first."""
    member = await require(session, principal.tenant_id, member_id)
    return [_public(c) for c in await repository.of_member(session, principal.tenant_id, member.id)]


@router.post(
    "/v1/membership-changes/{change_id}/confirm",
    response_model=MembershipChangePublic,
    summary="The written confirmation arrived: apply the change",
)
async def confirm(
    change_id: uuid.UUID, body: MembershipChangeConfirm, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> MembershipChangePublic:
    """Apply the change with its dates."""
    return _public(await service.confirm(session, principal, runtime.outbox, change_id, body))


@router.post(
    "/v1/membership-changes/{change_id}/cancel", response_model=MembershipChangePublic, summary="Cancel a change"
)
async def cancel(change_id: uuid.UUID, session: SessionDep, principal: Writer) -> MembershipChangePublic:
    """Cancel a change still awaiting confirmation."""
    return _public(await service.cancel(session, principal, change_id))
