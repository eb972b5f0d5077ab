"""The worker that advances the cores' timers: offer timeouts, overflow steps, preference
windows, wrap-up and maximum waits.

It starts once the API listens: loading a tenant re-offers its waiting calls, and an offer
no desk can accept yet (the API not listening after a restart) would time out against a
blameless agent. Then it sleeps on the clock until the earliest deadline of any tenant, or
until a change wakes it (a change may set an earlier deadline).
"""

from __future__ import annotations

import asyncio

from frontdoor_common.clock import Clock
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.engine.tenant import dt

log = get_logger(__name__)


class TimerWorker(TaskWorker):
    """Loads the served tenants once the API listens, then applies their timers when due."""

    name = "routing_timers"

    def __init__(self, engine: Engine, clock: Clock, serving: asyncio.Event) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.serving = serving

    async def run(self) -> None:
        """Load, then tick forever (a failed tick is logged and retried)."""
        await self.serving.wait()
        await self.engine.load_served()
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("routing timer loop error", error=str(exc), error_type=type(exc).__name__)
                await asyncio.sleep(0.2)

    async def tick(self) -> None:
        """Wait for the earliest deadline (or a wake-up), then apply what is due."""
        engine = self.engine
        deadlines = engine.deadlines()
        if deadlines:
            await self.clock.sleep_until(dt(min(deadlines)[0]), engine.wake)
        else:
            await engine.wake.wait()
        engine.wake.clear()
        now = self.clock.time()
        for deadline, tenant_id in sorted(deadlines):
            if deadline <= now:
                await engine.advance(tenant_id)
