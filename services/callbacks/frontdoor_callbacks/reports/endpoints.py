"""GET /v1/callbacks/report."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from frontdoor_callbacks.context import ContextDep
from frontdoor_callbacks.reports.schemas import CallbackReport
from frontdoor_callbacks.reports.service import build_report
from frontdoor_common.auth import Principal, require
from frontdoor_common.service import SessionDep

router = APIRouter(prefix="/v1/callbacks", tags=["reports"])


@router.get(
    "/report",
    response_model=CallbackReport,
    summary="Pending, due, overdue, at risk; success rate and time from request to callback over a period",
)
async def report(
    session: SessionDep,
    ctx: ContextDep,
    principal: Annotated[Principal, require("callbacks:read")],
    from_: Annotated[AwareDatetime, Query(alias="from")],
    to: Annotated[AwareDatetime, Query()],
    queue_id: uuid.UUID | None = None,
) -> JSONResponse:
    """The tenant's callback report for [from, to)."""
    body = await build_report(session, ctx, principal.tenant_id, from_, to, queue_id)
    return JSONResponse(body.model_dump(mode="json", by_alias=True))
