"""The dossier over HTTP."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from frontdoor_common.service import RuntimeDep, SessionDep
from frontdoor_members.deps import Reader, Writer, settings_of
from frontdoor_members.dossier import repository, service
from frontdoor_members.dossier.schemas import DossierEntryCreate, DossierEntryPublic, DossierPage
from frontdoor_members.members.service import require

router = APIRouter(tags=["dossier"])


@router.post(
    "/v1/members/{member_id}/log", response_model=DossierEntryPublic, status_code=201, summary="Write in the dossier"
)
async def write(
    member_id: uuid.UUID, body: DossierEntryCreate, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> DossierEntryPublic:
    """A log entry (channel, reason, summary, outcome) or a dated remark."""
    entry = await service.write(
        session, principal, runtime.outbox, member_id, body, default_country=settings_of(runtime).default_country
    )
    return DossierEntryPublic.model_validate(entry, from_attributes=True)


@router.get("/v1/members/{member_id}/log", response_model=DossierPage, summary="The member's history")
async def read(
    member_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    kind: Annotated[Literal["log", "remark", "call", "callback", "membership"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DossierPage:
    """Logs, remarks, calls, callbacks and membership changes, newest first."""
    member = await require(session, principal.tenant_id, member_id)
    rows = await repository.entries(session, principal.tenant_id, member.id, kind=kind, limit=limit)
    return DossierPage(
        member_id=member.id, entries=[DossierEntryPublic.model_validate(r, from_attributes=True) for r in rows]
    )
