"""Contact-reason trends over HTTP."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from frontdoor_common.models import utcnow
from frontdoor_common.service import SessionDep
from frontdoor_members.deps import Reader
from frontdoor_members.trends import service
from frontdoor_members.trends.schemas import ReasonTrends

router = APIRouter(tags=["trends"])


@router.get("/v1/trends/reasons", response_model=ReasonTrends, summary="Contact reasons per ISO week and department")
async def reason_trends(
    session: SessionDep,
    principal: Reader,
    weeks: Annotated[int, Query(ge=1, le=104)] = 8,
    until: Annotated[date | None, Query(description="a day in the last week; default today")] = None,
    department_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ReasonTrends:
    """Counts per reason per week and department, and the reasons rising fastest."""
    return await service.reasons(
        session, principal.tenant_id, weeks=weeks, until=until or utcnow().date(), department_id=department_id
    )
