"""Agents' iCalendar feeds: fetching and checking them, and recording how the last fetch went.

Fetches run outside any transaction (nothing in the database waits on a slow calendar server);
`Feeds` opens its own short transactions around them. A changed copy wakes the scheduler once
its transaction has committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.after_commit import after_commit
from frontdoor_agents.agents.service import agent_or_404
from frontdoor_agents.calendars.expand import check_calendar
from frontdoor_agents.calendars.ical import FeedError
from frontdoor_agents.calendars.schemas import FeedUpdate
from frontdoor_agents.hours.repository import get_config
from frontdoor_agents.models import Agent, CalendarFeed
from frontdoor_agents.settings import Settings
from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.errors import InvalidInput, NotFound
from frontdoor_common.logging import get_logger
from frontdoor_common.safe_http import FetchFailed, UnsafeUrl, fetch_public

log = get_logger(__name__)


@dataclass(frozen=True)
class FeedContext:
    """What checking a tenant's feed needs: its allowed intranet hosts, its time zone, the moment."""

    allow_hosts: frozenset[str]
    tz: ZoneInfo
    now: datetime


async def feed_context(session: AsyncSession, tenant: str, now: datetime) -> FeedContext:
    """The tenant's feed context."""
    cfg = await get_config(session, tenant)
    return FeedContext(frozenset(cfg.feed_allow_hosts or []), ZoneInfo(cfg.timezone), now)


async def check_text(text: str, settings: Settings, ctx: FeedContext) -> None:
    """Parse, bounds-check and expand the text off the event loop within the budget; FeedError if refused."""
    if "\x00" in text:  # not iCalendar, and PostgreSQL text cannot store it
        raise FeedError("NUL character in the calendar", code="not_calendar")
    await check_calendar(
        text,
        ctx.tz,
        ctx.now,
        timedelta(days=settings.scheduler_horizon_days),
        budget_s=settings.feed_expand_budget_s,
        max_occurrences=settings.feed_max_occurrences,
    )


async def fetch(url: str, settings: Settings, ctx: FeedContext) -> str:
    """The feed's text, checked to parse. FeedError (a fixed code, never the fetched content) when it cannot
    be fetched or parsed; UnsafeUrl when the URL or an address on the way is not public."""
    try:
        body: bytes = await fetch_public(
            url,
            max_bytes=settings.feed_max_bytes,
            deadline_s=settings.feed_timeout_s,
            allow_hosts=ctx.allow_hosts,
            allow_private=settings.feed_allow_private,
            max_redirects=settings.feed_max_redirects,
            headers={"Accept": "text/calendar"},
        )
    except FetchFailed as exc:
        raise FeedError(exc.code, code=exc.code) from exc
    text = body.decode("utf-8", errors="replace")
    try:
        await check_text(text, settings, ctx)
    except FeedError as exc:
        raise FeedError(exc.code, code=exc.code) from exc  # the parser's message may quote the content
    return text


async def fetch_outcome(url: str, settings: Settings, ctx: FeedContext) -> tuple[str | None, str | None]:
    """(text, None) or (None, fixed error code) for a refresh: an address refused now is an error of the feed."""
    try:
        return await fetch(url, settings, ctx), None
    except UnsafeUrl as exc:
        return None, exc.reason
    except FeedError as exc:
        return None, exc.code


async def prefetch(body: FeedUpdate, settings: Settings, ctx: FeedContext) -> tuple[str | None, str | None]:
    """Outside any transaction: (good text, error code). Text given inline must parse (else 422, nothing
    stored); a URL whose host (or a redirect's) is not a public address is refused (422 unsafe_url)."""
    if (body.url is None) == (body.ics is None):
        raise InvalidInput("Give either url or ics.", field="url", error_id="feed_source_required")
    if body.ics is not None:
        try:
            await check_text(body.ics, settings, ctx)
        except FeedError as exc:
            raise InvalidInput(
                f"{exc.code}: {str(exc)[:500]}", field="ics", error_id="feed_unparseable", reason=exc.code
            ) from exc
        return body.ics, None
    assert body.url is not None
    try:
        return await fetch(body.url, settings, ctx), None
    except FeedError as exc:
        return None, exc.code


def record_result(feed: CalendarFeed, now: datetime, text: str | None, error: str | None) -> None:
    """Keep a good copy, or keep the last good copy and report the error."""
    feed.last_attempt_at = now
    if error is None:
        feed.ics, feed.status, feed.last_error, feed.last_success_at = text, "ok", None, now
    else:
        feed.status, feed.last_error = "error", error[:1000]


async def set_feed(
    session: AsyncSession, agent: Agent, body: FeedUpdate, text: str | None, error: str | None, now: datetime
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


class Feeds:
    """Setting and refreshing feeds, each fetch outside any transaction; `changed` is called once a
    transaction that changed a feed has committed (the scheduler recomputes)."""

    def __init__(self, db: Database, settings: Settings, clock: Clock, changed: Callable[[], None]) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.changed = changed

    def _changed_after_commit(self, session: AsyncSession) -> None:
        after_commit(session, "scheduler", self.changed)

    async def put(self, tenant: str, agent_id: uuid.UUID, body: FeedUpdate) -> CalendarFeed:
        """Set the agent's feed: the agent is checked (404) before anything is fetched."""
        async with self.db.snapshot() as session:
            await agent_or_404(session, tenant, agent_id)
            ctx = await feed_context(session, tenant, self.clock.now())
        text, error = await prefetch(body, self.settings, ctx)
        async with self.db.transaction() as session:
            agent = await agent_or_404(session, tenant, agent_id)
            feed = await set_feed(session, agent, body, text, error, self.clock.now())
            self._changed_after_commit(session)
        return feed

    async def get(self, session: AsyncSession, tenant: str, agent_id: uuid.UUID) -> CalendarFeed:
        """The tenant's agent's feed, or 404."""
        return await get_feed(session, await agent_or_404(session, tenant, agent_id))

    async def refresh(self, tenant: str, agent_id: uuid.UUID) -> CalendarFeed:
        """Fetch the tenant's agent's feed now; its status afterwards."""
        async with self.db.transaction() as session:
            await agent_or_404(session, tenant, agent_id)
        await self.refresh_one(agent_id)
        async with self.db.transaction() as session:
            return await self.get(session, tenant, agent_id)

    async def refresh_one(self, agent_id: uuid.UUID) -> str:
        """Fetch one feed (outside any transaction) and record the outcome; returns the status."""
        async with self.db.transaction() as session:
            feed = await session.get(CalendarFeed, agent_id)
            url = feed.url if feed else None
            ctx = await feed_context(session, feed.tenant_id, self.clock.now()) if feed else None
        if url is None or ctx is None:
            return "no_url"
        text, error = await fetch_outcome(url, self.settings, ctx)
        async with self.db.transaction() as session:
            feed = await session.get(CalendarFeed, agent_id)
            if feed is None or feed.url != url:
                return "changed"
            record_result(feed, self.clock.now(), text, error)
            session.add(feed)
            self._changed_after_commit(session)
        if error:
            log.warning("calendar feed failed; keeping the last good copy", agent_id=str(agent_id), error=error)
        return feed.status

    async def refresh_all(self) -> dict[str, int]:
        """Refresh every feed that has a URL; counts by outcome."""
        async with self.db.transaction() as session:
            ids = list(await session.scalars(select(CalendarFeed.agent_id).where(col(CalendarFeed.url).is_not(None))))
        counts: dict[str, int] = {}
        for agent_id in ids:
            status = await self.refresh_one(agent_id)
            counts[status] = counts.get(status, 0) + 1
        return counts
