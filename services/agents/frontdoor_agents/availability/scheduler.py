"""The one task that publishes availability and opening changes at the moment they happen.

It computes the state now, publishes what differs from what was last published, then sleeps
until the next calendar or hours boundary (or until woken by a change through the API or a
feed refresh). Time comes from the runtime's clock, so tests drive it without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.availability.publisher import sync_agents, sync_queues, tenants
from frontdoor_agents.clock import Clock
from frontdoor_agents.settings import Settings
from frontdoor_common.logging import get_logger
from frontdoor_common.service import Runtime

log = get_logger(__name__)

_SCHEDULER_LOCK_KEY = 0x0F_D0_A6_01


class Scheduler:
    """Sleeps until the next boundary, then publishes the differences; the single writer of published state."""

    def __init__(self, runtime: Runtime, clock: Clock) -> None:
        self.runtime = runtime
        self.clock = clock
        settings: Settings = runtime.settings  # type: ignore[assignment]
        self.max_sleep = timedelta(seconds=settings.scheduler_max_sleep_s)
        self.horizon = timedelta(days=settings.scheduler_horizon_days)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0
        self.published = 0
        self.next_at: datetime | None = None
        self.tick_seconds: list[float] = []

    def wake(self) -> None:
        """Recompute now (calendars, hours or agents changed)."""
        self._wake.set()

    async def start(self) -> None:
        """Catch up on anything missed while stopped, then run in the background."""
        try:
            await self.tick(self.clock.now())
        except Exception as exc:  # the loop retries; a slow database must not stop the service starting
            log.warning("availability catch-up failed; retrying in the background", error=str(exc))
        self._task = asyncio.create_task(self._run(), name="availability-scheduler")

    async def stop(self) -> None:
        """Stop the task."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def tick(self, now: datetime) -> datetime | None:
        """Publish every difference between now and the last published state; returns the next boundary."""
        started = time.perf_counter()
        upcoming: datetime | None = None
        async with self.runtime.db.transaction() as session:
            if not await self._lead(session):
                return now + timedelta(seconds=5)  # another instance publishes; check again soon
            for tenant in await tenants(session, self.runtime.settings.tenants):
                for sync in (sync_agents, sync_queues):
                    count, nxt = await sync(session, self.runtime, tenant, now, self.horizon)
                    self.published += count
                    if nxt is not None:
                        upcoming = nxt if upcoming is None else min(upcoming, nxt)
        self.ticks += 1
        self.tick_seconds.append(time.perf_counter() - started)
        del self.tick_seconds[:-1000]
        return upcoming

    async def _lead(self, session: AsyncSession) -> bool:
        # Two instances on one PostgreSQL database must not both publish: one holds this lock per tick.
        if self.runtime.db.dialect != "postgresql":
            return True
        return bool(await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _SCHEDULER_LOCK_KEY}))

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            now = self.clock.now()
            try:
                upcoming = await self.tick(now)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be away for a moment: try again soon
                log.warning("availability scheduler tick failed", error=str(exc), error_type=type(exc).__name__)
                upcoming = now + timedelta(seconds=1)
            limit = now + self.max_sleep
            self.next_at = min(upcoming, limit) if upcoming is not None else limit
            await self.clock.sleep_until(self.next_at, self._wake)
