"""The one worker that publishes availability and opening changes at the moment they happen.

It computes the state now, publishes what differs from what was last published, then sleeps
until the next calendar or hours boundary (or until woken by a change through the API, a feed
refresh or a queue event). Time comes from the clock it is given, so tests drive it without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.after_commit import after_commit
from frontdoor_agents.availability.sync import sync_agents, sync_queues, tenants
from frontdoor_agents.notifier import AgentsNotifier
from frontdoor_agents.settings import Settings
from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker

log = get_logger(__name__)

_SCHEDULER_LOCK_KEY = 0x0F_D0_A6_01


class Scheduler(TaskWorker):
    """Sleeps until the next boundary, then publishes the differences; the single writer of published state."""

    name = "availability_scheduler"

    def __init__(self, db: Database, settings: Settings, clock: Clock, notifier: AgentsNotifier) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.clock = clock
        self.notifier = notifier
        self.max_sleep = timedelta(seconds=settings.scheduler_max_sleep_s)
        self.horizon = timedelta(days=settings.scheduler_horizon_days)
        self._wake = asyncio.Event()
        self._stopping = False
        # A tick interrupted mid-transaction leaves a connection to be torn down: let it finish first.
        self._stop_grace_s = settings.feed_expand_budget_s + 5.0
        self.ticks = 0
        self.published = 0
        self.next_at: datetime | None = None
        self.tick_seconds: list[float] = []

    def wake(self) -> None:
        """Recompute now (calendars, hours or agents changed)."""
        self._wake.set()

    def wake_after_commit(self, session: AsyncSession) -> None:
        """Recompute once `session`'s transaction has committed."""
        after_commit(session, "scheduler", self.wake)

    async def start(self) -> None:
        """Run in the background; its first tick is the catch-up after a restart. Start-up never waits
        for it: one slow or abusive calendar must not keep the service from becoming ready."""
        self._stopping = False
        await super().start()

    async def stop(self) -> None:
        """Stop: let a running tick finish (bounded), cancel a sleeping one."""
        self._stopping = True
        self._wake.set()
        task = self._task
        if task is not None and not task.done():
            with contextlib.suppress(TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(task), self._stop_grace_s)
        await super().stop()

    async def tick(self, now: datetime) -> datetime | None:
        """Publish every difference between now and the last published state; returns the next boundary."""
        started = time.perf_counter()
        upcoming: datetime | None = None
        async with self.db.snapshot() as session:
            served = await tenants(session, self.settings.tenants)
        # One transaction per tenant: calendars are expanded (off the loop) before that tenant's writes,
        # so no write lock is held while a big calendar is being expanded.
        for tenant in served:
            async with self.db.transaction() as session:
                if not await self._lead(session):
                    return now + timedelta(seconds=5)  # another instance publishes; check again soon
                agents = await sync_agents(session, self.notifier, self.settings, tenant, now, self.horizon)
                queues = await sync_queues(session, self.notifier, tenant, now, self.horizon)
                for count, nxt in (agents, queues):
                    self.published += count
                    if nxt is not None:
                        upcoming = nxt if upcoming is None else min(upcoming, nxt)
        self.ticks += 1
        self.tick_seconds.append(time.perf_counter() - started)
        del self.tick_seconds[:-1000]
        return upcoming

    async def _lead(self, session: AsyncSession) -> bool:
        # Two instances on one PostgreSQL database must not both publish: one holds this lock per tick.
        if self.db.dialect != "postgresql":
            return True
        return bool(await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _SCHEDULER_LOCK_KEY}))

    async def run(self) -> None:
        """Tick, then sleep until the next boundary (at most `scheduler_max_sleep_s`) or a wake-up."""
        while not self._stopping:
            self._wake.clear()
            now = self.clock.now()
            try:
                upcoming = await self.tick(now)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be away for a moment: try again soon
                log.warning("availability scheduler tick failed", error=str(exc), error_type=type(exc).__name__)
                upcoming = now + timedelta(seconds=1)
            if self._stopping:
                return
            limit = now + self.max_sleep
            self.next_at = min(upcoming, limit) if upcoming is not None else limit
            await self.clock.sleep_until(self.next_at, self._wake)
