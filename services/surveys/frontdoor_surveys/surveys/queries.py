"""Reading surveys for the API: filters shared by the list, the comments and the index."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_common.errors import InvalidInput, NotFound
from frontdoor_surveys.index.periods import FIRST_DAY, LAST_DAY, day_in_range, range_bounds
from frontdoor_surveys.surveys.models import Survey

STATUSES = ("scheduled", "asking", "completed", "expired", "opted_out", "failed", "skipped")


@dataclass(frozen=True)
class SurveyFilter:
    """Filters of GET /v1/surveys (dates are the contact's, in the tenant's time zone, inclusive)."""

    status: str | None = None
    queue_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    first: date | None = None
    last: date | None = None
    has_comment: bool | None = None

    def validate(self) -> None:
        """422 naming the field for filters that cannot match anything sensible."""
        if self.status is not None and self.status not in STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(STATUSES)}.", field="status")
        for name, value in (("from", self.first), ("to", self.last)):
            if not day_in_range(value):
                raise InvalidInput(f"'{name}' must be between {FIRST_DAY} and {LAST_DAY}.", field=name)
        if self.first and self.last and self.first > self.last:
            raise InvalidInput("'from' is after 'to'.", field="from")


def apply(stmt: Select[Any], tenant_id: str, f: SurveyFilter, time_zone: str) -> Select[Any]:
    """Scope to the tenant and apply the filters (skipped contacts only when asked for)."""
    stmt = stmt.where(col(Survey.tenant_id) == tenant_id)
    # Contacts the policy skipped are listed only when asked for by status.
    status = col(Survey.status)
    stmt = stmt.where(status == f.status if f.status is not None else status != "skipped")
    for column, value in (
        (Survey.queue_id, f.queue_id),
        (Survey.team_id, f.team_id),
        (Survey.agent_id, f.agent_id),
        (Survey.member_id, f.member_id),
    ):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    if f.first or f.last:
        start, end = range_bounds(f.first or FIRST_DAY, f.last or LAST_DAY, time_zone)
        completed = col(Survey.contact_completed_at)
        stmt = stmt.where(completed >= start, completed < end)
    if f.has_comment is True:
        stmt = stmt.where(col(Survey.comment).is_not(None))
    elif f.has_comment is False:
        stmt = stmt.where(col(Survey.comment).is_(None))
    return stmt


async def page(
    session: AsyncSession, tenant_id: str, f: SurveyFilter, time_zone: str, *, limit: int, offset: int
) -> tuple[list[Survey], int]:
    """A page of matching surveys (newest contact first) and how many match in all."""
    total = await session.scalar(apply(select(func.count()).select_from(Survey), tenant_id, f, time_zone))
    rows = (
        (
            await session.execute(
                apply(select(Survey), tenant_id, f, time_zone)
                .order_by(col(Survey.contact_completed_at).desc(), col(Survey.id))
                .limit(limit)
                .offset(offset)
            )
        )
        .scalars()
        .all()
    )
    return list(rows), int(total or 0)


async def get(session: AsyncSession, tenant_id: str, survey_id: uuid.UUID) -> Survey:
    """The tenant's survey, or 404 (another tenant's is not found either)."""
    survey = await session.get(Survey, survey_id)
    if survey is None or survey.tenant_id != tenant_id:
        raise NotFound("No such survey.", error_id="survey_not_found")
    return survey
