"""Contact-reason trends over HTTP."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from frontdoor_common.errors import InvalidInput
from frontdoor_common.service import SessionDep
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import Reader
from frontdoor_members.tenants import service as tenants
from frontdoor_members.trends import service
from frontdoor_members.trends.schemas import ReasonTrendsView

router = APIRouter(tags=["trends"])


@router.get(
    "/v1/trends/reasons", response_model=ReasonTrendsView, summary="Contact reasons per ISO week and department"
)
async def reason_trends(
    session: SessionDep,
    ctx: ContextDep,
    principal: Reader,
    weeks: Annotated[int, Query(ge=1, le=104)] = 8,
    until: Annotated[date | None, Query(description="a day in the last week; default today")] = None,
    department_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ReasonTrendsView:
    """Counts per reason per week and department (each contact once, on its local date), and the
    reasons rising fastest."""
    if until is not None and not date(1900, 1, 1) <= until <= date(9000, 12, 31):
        raise InvalidInput("until: a date between 1900-01-01 and 9000-12-31.", field="until")
    zone = await tenants.zone(session, principal.tenant_id, ctx.settings.default_timezone)
    return await service.reasons(
        session,
        principal.tenant_id,
        weeks=weeks,
        until=until or ctx.clock.now().astimezone(zone).date(),
        department_id=department_id,
        zone=zone,
    )
