"""The dossier over HTTP."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from frontdoor_common.service import SessionDep
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import PageDep, Reader, Writer
from frontdoor_members.dossier import service
from frontdoor_members.dossier.schemas import DossierEntryCreate, DossierEntryView, DossierPage
from frontdoor_members.keywords import service as keywords

router = APIRouter(tags=["dossier"])


@router.post(
    "/v1/members/{member_id}/log", response_model=DossierEntryView, status_code=201, summary="Write in the dossier"
)
async def write(
    member_id: uuid.UUID, body: DossierEntryCreate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> DossierEntryView:
    """A log entry (channel, reason, summary, outcome) or a dated remark."""
    entry = await service.write(
        session,
        principal,
        ctx.notifier,
        member_id,
        body,
        now=ctx.clock.now(),
        default_country=ctx.settings.default_country,
    )
    return DossierEntryView.model_validate(entry, from_attributes=True)


@router.get("/v1/members/{member_id}/log", response_model=DossierPage, summary="The member's history")
async def read(
    member_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    kind: Annotated[
        Literal["log", "remark", "call", "callback", "membership", "course", "meeting", "message"] | None, Query()
    ] = None,
) -> DossierPage:
    """Logs, remarks, calls, callbacks and membership changes, newest first."""
    member, rows = await service.entries(
        session, principal.tenant_id, member_id, kind=kind, offset=page.offset, limit=page.limit
    )
    found = await keywords.of_entries(session, principal.tenant_id, [r.id for r in rows])
    views = [DossierEntryView.model_validate(r, from_attributes=True) for r in rows]
    return DossierPage(
        member_id=member.id, entries=[v.model_copy(update={"keywords": found.get(v.id, [])}) for v in views]
    )
