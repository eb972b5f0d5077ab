"""Loading agents' calendars and hours from the database and computing their timelines (pure part: compute.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.agents.service import agent_or_404
from frontdoor_agents.availability.compute import (
    Interval,
    Segment,
    agent_timeline,
    day_span,
    rules_from_json,
    weekly_intervals,
)
from frontdoor_agents.availability.schemas import AvailabilityIntervalView, AvailabilityView
from frontdoor_agents.calendars.expand import busy_for
from frontdoor_agents.calendars.ical import FeedError
from frontdoor_agents.calendars.service import events_between
from frontdoor_agents.hours.repository import get_config
from frontdoor_agents.hours.service import tz_of, window_limit
from frontdoor_agents.meetings.repository import held_between
from frontdoor_agents.models import Agent, CalendarFeed
from frontdoor_agents.settings import Settings
from frontdoor_common.logging import get_logger

log = get_logger(__name__)


async def timelines(
    session: AsyncSession,
    agents: list[Agent],
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
    settings: Settings,
    failed: dict[uuid.UUID, str] | None = None,
    *,
    except_meeting: uuid.UUID | None = None,
) -> dict[uuid.UUID, list[Segment]]:
    """Each agent's blocked/unblocked timeline over [start, end).

    Meetings booked with them (counsellors) block like calendar events; `except_meeting` leaves one
    out (a meeting being moved does not block its own new time).

    Feeds are expanded off the event loop within the budget; a feed that is refused or runs out of
    time is left out (its agent's own events and hours still count) and reported in `failed`."""
    ids = [a.id for a in agents]
    meetings: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    all_day: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    for e in await events_between(session, ids, start, end):
        if e.start_at is not None and e.end_at is not None:
            meetings[e.agent_id].append(Interval(e.start_at, e.end_at, e.title))
        elif e.start_date is not None and e.end_date is not None:
            all_day[e.agent_id].append(day_span(e.start_date, tz, (e.end_date - e.start_date).days))
    for m in await held_between(session, ids, start, end, except_id=except_meeting):
        meetings[m.counsellor_id].append(Interval(m.starts_at, m.ends_at, "booked_meeting"))
    feeds = await session.scalars(
        select(CalendarFeed).where(col(CalendarFeed.agent_id).in_(ids), col(CalendarFeed.ics).is_not(None))
    )
    for feed in list(feeds):
        try:
            busy = await busy_for(
                feed.ics or "",
                tz,
                start,
                end,
                budget_s=settings.feed_expand_budget_s,
                max_occurrences=settings.feed_max_occurrences,
            )
        except FeedError as exc:
            log.warning("stored calendar copy unusable", agent_id=str(feed.agent_id), error=exc.code)
            if failed is not None:
                failed[feed.agent_id] = exc.code
            continue
        meetings[feed.agent_id].extend(busy.meetings)
        all_day[feed.agent_id].extend(busy.all_day)
    out: dict[uuid.UUID, list[Segment]] = {}
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


async def availability(
    session: AsyncSession, tenant: str, agent_id: uuid.UUID, start: datetime, end: datetime, settings: Settings
) -> AvailabilityView:
    """The agent's computed availability in [start, end) (at most 62 days): calendar, all-day events, hours."""
    window_limit(start, end, days=62)
    agent = await agent_or_404(session, tenant, agent_id)
    cfg = await get_config(session, tenant)
    line = (await timelines(session, [agent], tz_of(cfg), start, end, settings))[agent.id]
    return AvailabilityView(
        agent_id=agent.id,
        timezone=cfg.timezone,
        start=start,
        end=end,
        intervals=[
            AvailabilityIntervalView(start=s.start, end=s.end, available=not s.on, reason=s.reason) for s in line
        ],
        available_seconds=sum((s.end - s.start).total_seconds() for s in line if not s.on),
    )
