"""Calendar events entered through the API, and agents' iCalendar feeds."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.calendars.feeds import fetch, record_result
from frontdoor_agents.calendars.ical import FeedError, parse
from frontdoor_agents.calendars.schemas import CalendarEventIn, FeedIn
from frontdoor_agents.models import Agent, CalendarEvent, CalendarFeed
from frontdoor_agents.settings import Settings
from frontdoor_common.errors import InvalidInput, NotFound


async def add_event(session: AsyncSession, agent: Agent, body: CalendarEventIn, now: datetime) -> CalendarEvent:
    """Store an event: timed, or all-day on dates; an event ending before it starts is refused."""
    timed = body.start is not None or body.end is not None
    if timed and body.date is not None:
        raise InvalidInput("Give start and end, or date; not both.", field="date", error_id="ambiguous_event")
    if timed:
        if body.start is None:
            raise InvalidInput("A timed event needs a start.", field="start", error_id="missing_start")
        if body.end is None:
            raise InvalidInput("A timed event needs an end.", field="end", error_id="missing_end")
        if body.end <= body.start:
            raise InvalidInput("The event ends before it starts.", field="end", error_id="end_before_start")
        if body.end - body.start > timedelta(days=31):
            raise InvalidInput("A timed event may last 31 days at most.", field="end", error_id="event_too_long")
        event = CalendarEvent(
            tenant_id=agent.tenant_id, agent_id=agent.id, title=body.title, start_at=body.start, end_at=body.end
        )
    else:
        if body.date is None:
            raise InvalidInput("Give start and end, or date.", field="start", error_id="missing_start")
        last = body.end_date or body.date
        if last < body.date:
            raise InvalidInput("The event ends before it starts.", field="end_date", error_id="end_before_start")
        if (last - body.date).days > 366:
            raise InvalidInput("An all-day event may last a year at most.", field="end_date", error_id="event_too_long")
        event = CalendarEvent(
            tenant_id=agent.tenant_id,
            agent_id=agent.id,
            title=body.title,
            start_date=body.date,
            end_date=last + timedelta(days=1),
        )
    event.created_at = now
    session.add(event)
    await session.flush()
    return event


async def events_between(
    session: AsyncSession, agent_ids: list[uuid.UUID], start: datetime, end: datetime
) -> list[CalendarEvent]:
    """API events of these agents that may overlap [start, end) (all-day ones by date, with a day's slack)."""
    timed = and_(CalendarEvent.end_at > start, CalendarEvent.start_at < end)  # type: ignore[operator]
    all_day = and_(
        CalendarEvent.start_date <= (end + timedelta(days=1)).date(),  # type: ignore[operator]
        CalendarEvent.end_date >= (start - timedelta(days=1)).date(),  # type: ignore[operator]
    )
    rows = await session.scalars(
        select(CalendarEvent).where(CalendarEvent.agent_id.in_(agent_ids), or_(timed, all_day))  # type: ignore[attr-defined]
    )
    return list(rows)


async def list_events(session: AsyncSession, agent: Agent) -> list[CalendarEvent]:
    """The agent's API events."""
    rows = await session.scalars(
        select(CalendarEvent).where(CalendarEvent.agent_id == agent.id).order_by(CalendarEvent.created_at)
    )
    return list(rows)


async def delete_event(session: AsyncSession, agent: Agent, event_id: uuid.UUID) -> None:
    """Remove one of the agent's API events."""
    event = await session.get(CalendarEvent, event_id)
    if event is None or event.agent_id != agent.id:
        raise NotFound("No such calendar event.", error_id="calendar_event_not_found")
    await session.delete(event)
    await session.flush()


async def prefetch(body: FeedIn, settings: Settings) -> tuple[str | None, str | None]:
    """Before any database work: (good text, error). Text given inline must parse (else 422, nothing stored)."""
    if (body.url is None) == (body.ics is None):
        raise InvalidInput("Give either url or ics.", field="url", error_id="feed_source_required")
    if body.ics is not None:
        try:
            parse(body.ics)
        except FeedError as exc:
            raise InvalidInput(str(exc), field="ics", error_id="feed_unparseable") from exc
        return body.ics, None
    assert body.url is not None
    try:
        return await fetch(body.url, timeout=settings.feed_timeout_s, max_bytes=settings.feed_max_bytes), None
    except FeedError as exc:
        return None, str(exc)


async def set_feed(
    session: AsyncSession, agent: Agent, body: FeedIn, text: str | None, error: str | None, now: datetime
) -> CalendarFeed:
    """Point the agent's feed at a URL (or text); a failing URL keeps the last good copy and reports the error."""
    feed = await session.get(CalendarFeed, agent.id)
    if feed is None:
        feed = CalendarFeed(agent_id=agent.id, tenant_id=agent.tenant_id)
    feed.url = body.url
    record_result(feed, now, text, error)
    session.add(feed)
    await session.flush()
    return feed


async def get_feed(session: AsyncSession, agent: Agent) -> CalendarFeed:
    """The agent's feed, or 404."""
    feed = await session.get(CalendarFeed, agent.id)
    if feed is None:
        raise NotFound("The agent has no calendar feed.", error_id="feed_not_found")
    return feed
