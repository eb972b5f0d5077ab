"""The background worker that refreshes every agent's iCalendar feed on a schedule."""

from __future__ import annotations

from datetime import timedelta

from frontdoor_agents.calendars.feeds import Feeds
from frontdoor_common.clock import Clock
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker

log = get_logger(__name__)


class FeedRefresher(TaskWorker):
    """Refreshes every feed each `interval` (a bad round is logged; the next one comes anyway)."""

    name = "feed_refresher"

    def __init__(self, feeds: Feeds, clock: Clock, interval: timedelta) -> None:
        super().__init__()
        self.feeds = feeds
        self.clock = clock
        self.interval = interval
        self.rounds = 0

    async def run(self) -> None:
        """Sleep an interval, refresh every feed; for ever."""
        while True:
            await self.clock.sleep_until(self.clock.now() + self.interval)
            try:
                await self.feeds.refresh_all()
            except Exception as exc:  # a bad round must not end the refresher
                log.warning("feed refresh round failed", error=str(exc))
            self.rounds += 1
