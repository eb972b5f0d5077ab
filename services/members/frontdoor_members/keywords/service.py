"""What is going on in the country (issue 15): the keywords of agents' notes, remarks and forwarded
summaries, per ISO week of the entries' local days, and the keywords rising week over week.

Each entry counts a keyword once. A keyword is *rising* when it is in at least `min_count` entries
of the latest week and in more entries than the week before; the measure is the increase
`count(latest week) - count(week before)` (entries, not a ratio: a keyword going from 0 to 1 is not
news, from 3 to 15 is), the largest first, ties ordered by the keyword.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_members.keywords import repository
from frontdoor_members.keywords.schemas import KeywordTrendsView, KeywordWeeksView, RisingKeywordView
from frontdoor_members.trends.service import iso_week

MIN_RISING_COUNT = 2


async def of_entries(session: AsyncSession, tenant_id: str, entry_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The keywords of each of these entries (most relevant first); absent until extracted."""
    return await repository.of_entries(session, tenant_id, entry_ids)


async def trends(
    session: AsyncSession,
    tenant_id: str,
    *,
    weeks: int,
    until: date,
    department_id: uuid.UUID | None,
    limit: int,
    min_count: int = MIN_RISING_COUNT,
) -> KeywordTrendsView:
    """The last `weeks` ISO weeks up to and including the week of `until`: the `limit` most frequent
    keywords with their counts per week, and up to `limit` rising keywords (latest week against the
    one before, which may lie before the first week shown)."""
    monday = until - timedelta(days=until.weekday())
    since = monday - timedelta(weeks=weeks - 1)
    sunday = monday + timedelta(days=6)
    week_names = [iso_week(since + timedelta(weeks=i)) for i in range(weeks)]
    frequent = await repository.top(
        session, tenant_id, since=since, until=sunday, department_id=department_id, limit=limit
    )
    counts = await repository.per_week(
        session, tenant_id, [k for k, _ in frequent], since=since, until=sunday, department_id=department_id
    )
    per_keyword: dict[str, dict[str, int]] = {k: dict.fromkeys(week_names, 0) for k, _ in frequent}
    for keyword, week, n in counts:
        per_keyword[keyword][week] = n
    latest, previous = week_names[-1], iso_week(monday - timedelta(weeks=1))
    risers = await repository.rising(
        session,
        tenant_id,
        week=latest,
        previous_week=previous,
        since=monday - timedelta(weeks=1),
        until=sunday,
        department_id=department_id,
        min_count=min_count,
        limit=limit,
    )
    return KeywordTrendsView(
        weeks=week_names,
        since=since,
        until=sunday,
        min_count=min_count,
        keywords=[KeywordWeeksView(keyword=k, total=n, weeks=per_keyword[k]) for k, n in frequent],
        rising=[
            RisingKeywordView(keyword=k, week=latest, count=a, previous_week=previous, previous=b, increase=a - b)
            for k, a, b in risers
        ],
    )
