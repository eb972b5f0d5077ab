"""GET /v1/surveys, /v1/surveys/comments, /v1/surveys/{id}: thin, read-only."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from frontdoor_common.auth import Principal, require
from frontdoor_common.service import SessionDep
from frontdoor_surveys.policy.service import load_policy
from frontdoor_surveys.surveys import queries
from frontdoor_surveys.surveys.schemas import CommentPage, CommentView, SurveyPage, SurveyView

router = APIRouter(prefix="/v1/surveys", tags=["surveys"])

Reader = Annotated[Principal, require("surveys:read")]


def survey_filter(
    status: Annotated[str | None, Query(description=", ".join(queries.STATUSES))] = None,
    queue_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
    first: Annotated[date | None, Query(alias="from", description="first day (tenant's time zone)")] = None,
    last: Annotated[date | None, Query(alias="to", description="last day, inclusive")] = None,
    has_comment: bool | None = None,
) -> queries.SurveyFilter:
    """The list filters from the query string."""
    f = queries.SurveyFilter(status, queue_id, team_id, agent_id, member_id, first, last, has_comment)
    f.validate()
    return f


Filter = Annotated[queries.SurveyFilter, Depends(survey_filter)]
MAX_OFFSET = 1_000_000
Limit = Annotated[int, Query(ge=1, le=500, description="page size, 1-500")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"items to skip, 0-{MAX_OFFSET}")]


@router.get("", response_model=SurveyPage, summary="Surveys, newest first (status=skipped lists skipped contacts)")
async def list_surveys(
    session: SessionDep, principal: Reader, f: Filter, limit: Limit = 100, offset: Offset = 0
) -> SurveyPage:
    """List the tenant's surveys with filters."""
    policy = await load_policy(session, principal.tenant_id)
    rows, total = await queries.page(session, principal.tenant_id, f, policy.time_zone, limit=limit, offset=offset)
    return SurveyPage(items=[SurveyView.of(s) for s in rows], total=total, limit=limit, offset=offset)


@router.get("/comments", response_model=CommentPage, summary="Members' free-text comments")
async def list_comments(
    session: SessionDep, principal: Reader, f: Filter, limit: Limit = 100, offset: Offset = 0
) -> CommentPage:
    """The comments left at the end of surveys, with the same filters as the list."""
    policy = await load_policy(session, principal.tenant_id)
    with_comment = queries.SurveyFilter(**{**f.__dict__, "has_comment": True})
    rows, total = await queries.page(
        session, principal.tenant_id, with_comment, policy.time_zone, limit=limit, offset=offset
    )
    items = [CommentView.of(s) for s in rows]
    return CommentPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{survey_id}", response_model=SurveyView, summary="One survey (404 if it is another tenant's)")
async def get_survey(survey_id: uuid.UUID, session: SessionDep, principal: Reader) -> SurveyView:
    """One survey."""
    return SurveyView.of(await queries.get(session, principal.tenant_id, survey_id))
