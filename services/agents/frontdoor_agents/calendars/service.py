"""Calendar events entered through the API (feeds: `feeds.py`)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.calendars.schemas import CalendarEventCreate
from frontdoor_agents.models import Agent, CalendarEvent
from frontdoor_common.errors import InvalidInput, NotFound


async def add_event(session: AsyncSession, agent: Agent, body: CalendarEventCreate, now: datetime) -> CalendarEvent:
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
    timed = and_(col(CalendarEvent.end_at) > start, col(CalendarEvent.start_at) < end)
    all_day = and_(
        col(CalendarEvent.start_date) <= (end + timedelta(days=1)).date(),
        col(CalendarEvent.end_date) >= (start - timedelta(days=1)).date(),
    )
    rows = await session.scalars(
        select(CalendarEvent).where(col(CalendarEvent.agent_id).in_(agent_ids), or_(timed, all_day))
    )
    return list(rows)


async def list_events(session: AsyncSession, agent: Agent, offset: int = 0, limit: int = 1000) -> list[CalendarEvent]:
    """The agent's API events, oldest first (a page of them)."""
    rows = await session.scalars(
        select(CalendarEvent)
        .where(CalendarEvent.agent_id == agent.id)
        .order_by(
            col(CalendarEvent.created_at),
            col(CalendarEvent.start_at),
            col(CalendarEvent.start_date),
            col(CalendarEvent.id),
        )
        .offset(offset)
        .limit(limit)
    )
    return list(rows)


async def delete_event(session: AsyncSession, agent: Agent, event_id: uuid.UUID) -> None:
    """Remove one of the agent's API events."""
    event = await session.get(CalendarEvent, event_id)
    if event is None or event.agent_id != agent.id:
        raise NotFound("No such calendar event.", error_id="calendar_event_not_found")
    await session.delete(event)
    await session.flush()
