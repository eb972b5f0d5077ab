"""Loading agents' calendars and hours from the database and computing their timelines (pure part: compute.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.availability.compute import (
    Interval,
    Segment,
    agent_timeline,
    day_span,
    rules_from_json,
    weekly_intervals,
)
from frontdoor_agents.calendars.ical import FeedError, busy_between, parse
from frontdoor_agents.calendars.service import events_between
from frontdoor_agents.models import Agent, CalendarFeed
from frontdoor_common.logging import get_logger

log = get_logger(__name__)


async def timelines(
    session: AsyncSession, agents: list[Agent], tz: ZoneInfo, start: datetime, end: datetime
) -> dict[object, list[Segment]]:
    """Each agent's blocked/unblocked timeline over [start, end)."""
    ids = [a.id for a in agents]
    meetings: dict[object, list[Interval]] = defaultdict(list)
    all_day: dict[object, list[Interval]] = defaultdict(list)
    for e in await events_between(session, ids, start, end):
        if e.start_at is not None and e.end_at is not None:
            meetings[e.agent_id].append(Interval(e.start_at, e.end_at, e.title))
        elif e.start_date is not None and e.end_date is not None:
            all_day[e.agent_id].append(day_span(e.start_date, tz, (e.end_date - e.start_date).days))
    feeds = await session.scalars(
        select(CalendarFeed).where(CalendarFeed.agent_id.in_(ids), CalendarFeed.ics.is_not(None))  # type: ignore[attr-defined,union-attr]
    )
    for feed in feeds:
        try:
            busy = busy_between(parse(feed.ics or ""), tz, start, end)
        except (FeedError, ValueError) as exc:  # a stored copy parsed once; be safe anyway
            log.warning("stored calendar copy unusable", agent_id=str(feed.agent_id), error=str(exc))
            continue
        meetings[feed.agent_id].extend(busy.meetings)
        all_day[feed.agent_id].extend(busy.all_day)
    out: dict[object, list[Segment]] = {}
    for agent in agents:
        working = (
            weekly_intervals(rules_from_json(agent.working_hours), tz, start, end)
            if agent.working_hours is not None
            else None
        )
        out[agent.id] = agent_timeline(
            start, end, working=working, meetings=meetings[agent.id], all_day=all_day[agent.id]
        )
    return out
