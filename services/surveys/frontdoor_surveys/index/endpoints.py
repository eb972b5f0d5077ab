"""GET /v1/satisfaction: the index by period, queue, team or agent, against the target."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from frontdoor_common.auth import Principal, require
from frontdoor_common.errors import InvalidInput
from frontdoor_common.service import SessionDep
from frontdoor_surveys.context import ContextDep
from frontdoor_surveys.index import service
from frontdoor_surveys.index.calc import GroupBy
from frontdoor_surveys.index.periods import FIRST_DAY, LAST_DAY, Period, day_in_range, default_range
from frontdoor_surveys.index.schemas import SatisfactionView
from frontdoor_surveys.policy.service import load_policy

router = APIRouter(tags=["satisfaction"])

MAX_DAYS = 3 * 366


@router.get(
    "/v1/satisfaction",
    response_model=SatisfactionView,
    summary="Satisfaction index (0-100) over completed surveys, with target, response and completion rates",
)
async def satisfaction(
    session: SessionDep,
    ctx: ContextDep,
    principal: Annotated[Principal, require("surveys:read")],
    period: Period = "month",
    first: Annotated[date | None, Query(alias="from", description="first day (tenant's time zone)")] = None,
    last: Annotated[date | None, Query(alias="to", description="last day, inclusive")] = None,
    group_by: GroupBy | None = None,
) -> Any:
    """The tenant's satisfaction index."""
    policy = await load_policy(session, principal.tenant_id)
    default_first, default_last = default_range(ctx.clock.now().date())
    for name, value in (("from", first), ("to", last)):
        if not day_in_range(value):
            raise InvalidInput(f"'{name}' must be between {FIRST_DAY} and {LAST_DAY}.", field=name)
    first, last = first or default_first, last or default_last
    if first > last:
        raise InvalidInput("'from' is after 'to'.", field="from")
    if (last - first).days > MAX_DAYS:
        raise InvalidInput(f"The range may span at most {MAX_DAYS} days.", field="to")
    return await service.satisfaction(
        session, principal.tenant_id, policy, period=period, first=first, last=last, group_by=group_by
    )
