"""Calendars: `POST /v1/agents/{id}/calendar/events`, `PUT /v1/agents/{id}/calendar/feed`."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from fastapi import APIRouter, Response

from frontdoor_agents.agents.service import agent_or_404
from frontdoor_agents.calendars import service
from frontdoor_agents.calendars.schemas import CalendarEventCreate, CalendarEventView, FeedUpdate, FeedView
from frontdoor_agents.context import ContextDep
from frontdoor_agents.deps import PageDep, Reader, Writer
from frontdoor_agents.models import CalendarEvent, CalendarFeed
from frontdoor_common.notifier import snapshot
from frontdoor_common.service import SessionDep

router = APIRouter(tags=["calendars"])


def _event_view(e: CalendarEvent) -> CalendarEventView:
    last = e.end_date - timedelta(days=1) if e.end_date else None  # stored exclusive, shown inclusive
    return snapshot(
        CalendarEventView,
        e,
        start=e.start_at,
        end=e.end_at,
        date=e.start_date,
        end_date=last,
        all_day=e.start_date is not None,
    )


_ERROR_CODES = re.compile(
    r"^(timeout|too_large|too_many_redirects|dns_failed|connect_failed|refused_address|unsafe_url|bad_url|scheme"
    r"|not_calendar|too_frequent|too_complex|too_many_events|too_many_occurrences|http_status \d{3})$"
)


def _shown_error(error: str | None) -> str | None:
    # Rows written before last_error was a fixed code may quote fetched content: never show those.
    return error if error is None or _ERROR_CODES.match(error) else "fetch_failed"


def _feed_view(f: CalendarFeed) -> FeedView:
    return snapshot(FeedView, f, last_error=_shown_error(f.last_error), has_copy=f.ics is not None)


@router.post(
    "/v1/agents/{agent_id}/calendar/events",
    response_model=CalendarEventView,
    status_code=201,
    summary="Add a calendar event (timed, or all-day)",
)
async def post_event(
    agent_id: uuid.UUID, body: CalendarEventCreate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> CalendarEventView:
    """Add a calendar event (timed, or all-day)."""
    agent = await agent_or_404(session, principal.tenant_id, agent_id)
    event = await service.add_event(session, agent, body, ctx.clock.now())
    ctx.wake_scheduler_after_commit(session)
    return _event_view(event)


@router.get(
    "/v1/agents/{agent_id}/calendar/events", response_model=list[CalendarEventView], summary="The agent's own events"
)
async def get_events(
    agent_id: uuid.UUID, session: SessionDep, principal: Reader, page: PageDep
) -> list[CalendarEventView]:
    """The agent's own events."""
    agent = await agent_or_404(session, principal.tenant_id, agent_id)
    return [_event_view(e) for e in await service.list_events(session, agent, page.offset, page.limit)]


@router.delete("/v1/agents/{agent_id}/calendar/events/{event_id}", status_code=204, summary="Remove an event")
async def delete_event(
    agent_id: uuid.UUID, event_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Writer
) -> Response:
    """Remove an event."""
    agent = await agent_or_404(session, principal.tenant_id, agent_id)
    await service.delete_event(session, agent, event_id)
    ctx.wake_scheduler_after_commit(session)
    return Response(status_code=204)


@router.put(
    "/v1/agents/{agent_id}/calendar/feed",
    response_model=FeedView,
    summary="Set the agent's iCalendar feed (URL, refreshed on a schedule, or the text itself)",
    description=(
        "A URL must be http, https or webcal and resolve to a public address (the tenant's settings may list "
        "intranet hosts, `feed_allow_hosts`); every redirect is checked the same way, else 422 `unsafe_url` "
        "and nothing is stored. A URL that cannot be fetched or parsed is stored with `status: error` and a "
        "fixed `last_error` code (`timeout`, `too_large`, `not_calendar`, `http_status 404`, ...); fetched "
        "content is never shown."
    ),
)
async def put_feed(agent_id: uuid.UUID, body: FeedUpdate, ctx: ContextDep, principal: Writer) -> FeedView:
    """Set the agent's iCalendar feed (URL, refreshed on a schedule, or the text itself)."""
    return _feed_view(await ctx.feeds.put(principal.tenant_id, agent_id, body))


@router.get("/v1/agents/{agent_id}/calendar/feed", response_model=FeedView, summary="The feed's status")
async def get_feed(agent_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Reader) -> FeedView:
    """The feed's status."""
    return _feed_view(await ctx.feeds.get(session, principal.tenant_id, agent_id))


@router.post("/v1/agents/{agent_id}/calendar/feed/refresh", response_model=FeedView, summary="Fetch the feed now")
async def refresh_feed(agent_id: uuid.UUID, ctx: ContextDep, principal: Writer) -> FeedView:
    """Fetch the feed now."""
    return _feed_view(await ctx.feeds.refresh(principal.tenant_id, agent_id))
