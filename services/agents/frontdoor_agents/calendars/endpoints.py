"""Calendars: `POST /v1/agents/{id}/calendar/events`, `PUT /v1/agents/{id}/calendar/feed`."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, Response

from frontdoor_agents.agents.service import agent_or_404
from frontdoor_agents.calendars import service
from frontdoor_agents.calendars.feeds import refresh_one
from frontdoor_agents.calendars.schemas import CalendarEventIn, CalendarEventOut, FeedIn, FeedStatus
from frontdoor_agents.deps import Reader, Writer, clock_of, wake_scheduler_after_commit
from frontdoor_agents.models import CalendarEvent, CalendarFeed
from frontdoor_agents.settings import Settings
from frontdoor_common.service import RuntimeDep, SessionDep

router = APIRouter(tags=["calendars"])


def _event_out(e: CalendarEvent) -> CalendarEventOut:
    last = e.end_date - timedelta(days=1) if e.end_date else None  # stored exclusive, shown inclusive
    return CalendarEventOut(
        id=e.id,
        title=e.title,
        start=e.start_at,
        end=e.end_at,
        date=e.start_date,
        end_date=last,
        all_day=e.start_date is not None,
    )


def _feed_out(f: CalendarFeed) -> FeedStatus:
    return FeedStatus(
        agent_id=f.agent_id,
        url=f.url,
        status=f.status,
        last_error=f.last_error,
        last_attempt_at=f.last_attempt_at,
        last_success_at=f.last_success_at,
        has_copy=f.ics is not None,
    )


@router.post(
    "/v1/agents/{agent_id}/calendar/events",
    response_model=CalendarEventOut,
    status_code=201,
    summary="Add a calendar event (timed, or all-day)",
)
async def post_event(
    agent_id: uuid.UUID, body: CalendarEventIn, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> CalendarEventOut:
    """Add a calendar event (timed, or all-day)."""
    agent = await agent_or_404(session, principal.tenant_id, agent_id)
    event = await service.add_event(session, agent, body, clock_of(runtime).now())
    wake_scheduler_after_commit(session, runtime)
    return _event_out(event)


@router.get(
    "/v1/agents/{agent_id}/calendar/events", response_model=list[CalendarEventOut], summary="The agent's own events"
)
async def get_events(agent_id: uuid.UUID, session: SessionDep, principal: Reader) -> list[CalendarEventOut]:
    """The agent's own events."""
    agent = await agent_or_404(session, principal.tenant_id, agent_id)
    return [_event_out(e) for e in await service.list_events(session, agent)]


@router.delete("/v1/agents/{agent_id}/calendar/events/{event_id}", status_code=204, summary="Remove an event")
async def delete_event(
    agent_id: uuid.UUID, event_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> Response:
    """Remove an event."""
    agent = await agent_or_404(session, principal.tenant_id, agent_id)
    await service.delete_event(session, agent, event_id)
    wake_scheduler_after_commit(session, runtime)
    return Response(status_code=204)


@router.put(
    "/v1/agents/{agent_id}/calendar/feed",
    response_model=FeedStatus,
    summary="Set the agent's iCalendar feed (URL, refreshed on a schedule, or the text itself)",
)
async def put_feed(
    agent_id: uuid.UUID, body: FeedIn, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> FeedStatus:
    """Set the agent's iCalendar feed (URL, refreshed on a schedule, or the text itself)."""
    settings: Settings = runtime.settings  # type: ignore[assignment]
    # Fetch first: nothing in the database waits on a slow calendar server.
    text, error = await service.prefetch(body, settings)
    agent = await agent_or_404(session, principal.tenant_id, agent_id)
    feed = await service.set_feed(session, agent, body, text, error, clock_of(runtime).now())
    wake_scheduler_after_commit(session, runtime)
    return _feed_out(feed)


@router.get("/v1/agents/{agent_id}/calendar/feed", response_model=FeedStatus, summary="The feed's status")
async def get_feed(agent_id: uuid.UUID, session: SessionDep, principal: Reader) -> FeedStatus:
    """The feed's status."""
    agent = await agent_or_404(session, principal.tenant_id, agent_id)
    return _feed_out(await service.get_feed(session, agent))


@router.post("/v1/agents/{agent_id}/calendar/feed/refresh", response_model=FeedStatus, summary="Fetch the feed now")
async def refresh_feed(agent_id: uuid.UUID, runtime: RuntimeDep, principal: Writer) -> FeedStatus:
    """Fetch the feed now."""
    async with runtime.db.transaction() as session:
        await agent_or_404(session, principal.tenant_id, agent_id)
    await refresh_one(runtime, agent_id)
    async with runtime.db.transaction() as session:
        agent = await agent_or_404(session, principal.tenant_id, agent_id)
        return _feed_out(await service.get_feed(session, agent))
