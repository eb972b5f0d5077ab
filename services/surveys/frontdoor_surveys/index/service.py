"""Loading the surveys the index counts, and reporting it. Never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_surveys.index import calc
from frontdoor_surveys.index.periods import Period, range_bounds
from frontdoor_surveys.policy import rules
from frontdoor_surveys.surveys.models import Survey


async def satisfaction(
    session: AsyncSession,
    tenant_id: str,
    policy: rules.Policy,
    *,
    period: Period,
    first: date,
    last: date,
    group_by: calc.GroupBy | None,
) -> dict[str, Any]:
    """The index over sent surveys of contacts in [first, last] (tenant's days), by period and group."""
    start, end = range_bounds(first, last, policy.time_zone)
    rows = (
        await session.execute(
            select(
                col(Survey.contact_completed_at),
                col(Survey.status),
                col(Survey.answers),
                col(Survey.queue_id),
                col(Survey.team_id),
                col(Survey.agent_id),
            ).where(
                col(Survey.tenant_id) == tenant_id,
                col(Survey.sent_at).is_not(None),
                col(Survey.contact_completed_at) >= start,
                col(Survey.contact_completed_at) < end,
            )
        )
    ).all()
    facts = [
        calc.SurveyFacts(
            contact_completed_at=r.contact_completed_at,
            status=r.status,
            answers=tuple(r.answers or ()),
            queue_id=r.queue_id,
            team_id=r.team_id,
            agent_id=r.agent_id,
        )
        for r in rows
    ]
    total, grouped = calc.aggregate(facts, time_zone=policy.time_zone, period=period, group_by=group_by)
    out_rows = []
    for label, period_start, group, tally in grouped:
        row: dict[str, Any] = {"period": label, "period_start": period_start.isoformat()}
        if group_by is not None:
            row[f"{group_by}_id"] = str(group) if group else None
        row.update(tally.figures(policy.target))
        out_rows.append(row)
    return {
        "period": period,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "time_zone": policy.time_zone,
        "group_by": group_by,
        "target": policy.target,
        "total": total.figures(policy.target),
        "rows": out_rows,
    }
