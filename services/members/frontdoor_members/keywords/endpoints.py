"""Keyword trends over HTTP."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from frontdoor_common.errors import InvalidInput
from frontdoor_common.service import SessionDep
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import Reader
from frontdoor_members.keywords import service
from frontdoor_members.keywords.schemas import KeywordTrendsView
from frontdoor_members.tenants import service as tenants

router = APIRouter(tags=["trends"])


@router.get(
    "/v1/trends/keywords",
    response_model=KeywordTrendsView,
    summary="Keywords of notes and remarks per ISO week, and those rising week over week",
)
async def keyword_trends(
    session: SessionDep,
    ctx: ContextDep,
    principal: Reader,
    weeks: Annotated[int, Query(ge=1, le=104)] = 8,
    until: Annotated[date | None, Query(description="a day in the last week; default today")] = None,
    department_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="keywords to list, and rising keywords")] = 20,
) -> KeywordTrendsView:
    """The most frequent keywords with their entries per week, and the rising ones: in at least
    `min_count` entries of the latest week, by the increase over the week before (ties by name)."""
    if until is not None and not date(1900, 1, 1) <= until <= date(9000, 12, 31):
        raise InvalidInput("until: a date between 1900-01-01 and 9000-12-31.", field="until")
    zone = await tenants.zone(session, principal.tenant_id, ctx.settings.default_timezone)
    return await service.trends(
        session,
        principal.tenant_id,
        weeks=weeks,
        until=until or ctx.clock.now().astimezone(zone).date(),
        department_id=department_id,
        limit=limit,
    )
