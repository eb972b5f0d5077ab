"""Fetching iCalendar feeds, and the background task that refreshes them on a schedule."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import datetime

import httpx
from sqlalchemy import select

from frontdoor_agents.calendars.ical import FeedError, parse
from frontdoor_agents.deps import clock_of, wake_scheduler_after_commit
from frontdoor_agents.models import CalendarFeed
from frontdoor_agents.settings import Settings
from frontdoor_common.logging import get_logger
from frontdoor_common.service import Runtime

log = get_logger(__name__)


async def fetch(url: str, *, timeout: float, max_bytes: int) -> str:
    """The feed's text, checked to parse; FeedError when it cannot be fetched or parsed."""
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=True) as client:
            response = await client.get(url, headers={"Accept": "text/calendar"})
    except httpx.HTTPError as exc:
        raise FeedError(f"fetch failed: {type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise FeedError(f"fetch failed: HTTP {response.status_code}")
    if len(response.content) > max_bytes:
        raise FeedError(f"feed larger than {max_bytes} bytes")
    text = response.text
    parse(text)
    return text


def record_result(feed: CalendarFeed, now: datetime, text: str | None, error: str | None) -> None:
    """Keep a good copy, or keep the last good copy and report the error."""
    feed.last_attempt_at = now
    if error is None:
        feed.ics, feed.status, feed.last_error, feed.last_success_at = text, "ok", None, now
    else:
        feed.status, feed.last_error = "error", error[:1000]


async def refresh_one(runtime: Runtime, agent_id: uuid.UUID) -> str:
    """Fetch one feed (outside any transaction) and record the outcome; returns the status."""
    settings: Settings = runtime.settings  # type: ignore[assignment]
    async with runtime.db.transaction() as session:
        feed = await session.get(CalendarFeed, agent_id)
        url = feed.url if feed else None
    if url is None:
        return "no_url"
    text, error = None, None
    try:
        text = await fetch(url, timeout=settings.feed_timeout_s, max_bytes=settings.feed_max_bytes)
    except FeedError as exc:
        error = str(exc)
    async with runtime.db.transaction() as session:
        feed = await session.get(CalendarFeed, agent_id)
        if feed is None or feed.url != url:
            return "changed"
        record_result(feed, clock_of(runtime).now(), text, error)
        session.add(feed)
        wake_scheduler_after_commit(session, runtime)
    if error:
        log.warning("calendar feed failed; keeping the last good copy", agent_id=str(agent_id), error=error)
    return feed.status


async def refresh_all(runtime: Runtime) -> dict[str, int]:
    """Refresh every feed that has a URL; counts by outcome."""
    async with runtime.db.transaction() as session:
        ids = list(await session.scalars(select(CalendarFeed.agent_id).where(CalendarFeed.url.is_not(None))))  # type: ignore[union-attr]
    counts: dict[str, int] = {}
    for agent_id in ids:
        status = await refresh_one(runtime, agent_id)
        counts[status] = counts.get(status, 0) + 1
    return counts


class FeedRefresher:
    """One background task refreshing every feed each `feed_refresh_interval_s`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._task: asyncio.Task[None] | None = None
        self.rounds = 0

    async def start(self) -> None:
        """Start refreshing."""
        self._task = asyncio.create_task(self._run(), name="calendar-feed-refresher")

    async def stop(self) -> None:
        """Stop refreshing."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        settings: Settings = self.runtime.settings  # type: ignore[assignment]
        while True:
            await asyncio.sleep(settings.feed_refresh_interval_s)
            try:
                await refresh_all(self.runtime)
            except Exception as exc:  # a bad round must not end the refresher
                log.warning("feed refresh round failed", error=str(exc))
            self.rounds += 1
