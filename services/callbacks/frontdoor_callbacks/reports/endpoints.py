"""GET /v1/callbacks/report."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from frontdoor_callbacks.context import ContextDep
from frontdoor_callbacks.reports.schemas import CallbackReportView
from frontdoor_callbacks.reports.service import build_report
from frontdoor_common.auth import Principal, require
from frontdoor_common.service import SessionDep

router = APIRouter(prefix="/v1/callbacks", tags=["reports"])


@router.get(
    "/report",
    response_model=CallbackReportView,
    summary="Pending, due, overdue, at risk; success rate and time from request to callback over a period",
)
async def report(
    session: SessionDep,
    ctx: ContextDep,
    principal: Annotated[Principal, require("callbacks:read")],
    from_: Annotated[
        AwareDatetime | None,
        Query(alias="from", description="RFC 3339; default: the start of to's day in the tenant's zone"),
    ] = None,
    to: Annotated[AwareDatetime | None, Query(description="RFC 3339; default: now")] = None,
    queue_id: uuid.UUID | None = None,
) -> JSONResponse:
    """The tenant's callback report for [from, to) (default: today so far, in the tenant's zone)."""
    body = await build_report(session, ctx, principal.tenant_id, from_, to, queue_id)
    return JSONResponse(body.model_dump(mode="json", by_alias=True))
