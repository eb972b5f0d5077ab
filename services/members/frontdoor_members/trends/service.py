"""Why members call, week by week (text 003: the contact center's own product)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_members.dossier import repository
from frontdoor_members.trends.schemas import ReasonCount, ReasonTrends, RisingReason


def iso_week(day: date) -> str:
    """'2026-W47'."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def summarise(
    entries: list[tuple[datetime, str, uuid.UUID | None]], weeks: list[str], *, top: int = 10
) -> tuple[list[ReasonCount], dict[str, dict[str, int]], list[RisingReason]]:
    """Counts per (week, reason, department), totals per reason and week, and the fastest risers."""
    cells: Counter[tuple[str, str, uuid.UUID | None]] = Counter()
    totals: dict[str, dict[str, int]] = {}
    for at, reason, department in entries:
        week = iso_week(at.date())
        cells[(week, reason, department)] += 1
        per_week = totals.setdefault(reason, dict.fromkeys(weeks, 0))
        per_week[week] = per_week.get(week, 0) + 1
    rows = [
        ReasonCount(week=w, reason=r, department_id=d, count=n)
        for (w, r, d), n in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1], str(kv[0][2])))
    ]
    rising = []
    latest, earlier = weeks[-1], weeks[:-1]
    for reason, per_week in totals.items():
        previous = sum(per_week.get(w, 0) for w in earlier) / len(earlier) if earlier else 0.0
        increase = per_week.get(latest, 0) - previous
        if increase > 0:
            rising.append(
                RisingReason(
                    reason=reason,
                    latest_week=latest,
                    latest=per_week.get(latest, 0),
                    previous_average=round(previous, 2),
                    increase=round(increase, 2),
                )
            )
    rising.sort(key=lambda r: (-r.increase, r.reason))
    return rows, totals, rising[:top]


async def reasons(
    session: AsyncSession, tenant_id: str, *, weeks: int, until: date, department_id: uuid.UUID | None
) -> ReasonTrends:
    """The last `weeks` ISO weeks up to and including the week of `until`."""
    monday = until - timedelta(days=until.weekday())
    since = monday - timedelta(weeks=weeks - 1)
    week_names = [iso_week(since + timedelta(weeks=i)) for i in range(weeks)]
    start = datetime.combine(since, time.min, UTC)
    end = datetime.combine(monday + timedelta(days=7), time.min, UTC)
    entries = await repository.with_reason_since(session, tenant_id, start, end)
    if department_id is not None:
        entries = [e for e in entries if e[2] == department_id]
    rows, totals, rising = summarise(entries, week_names)
    return ReasonTrends(
        weeks=week_names, since=since, until=monday + timedelta(days=6), rows=rows, totals=totals, rising=rising
    )
