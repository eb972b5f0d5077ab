"""The agents service's app factory."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from frontdoor_agents.agents.endpoints import router as agents_router
from frontdoor_agents.availability.endpoints import router as availability_router
from frontdoor_agents.availability.scheduler import Scheduler
from frontdoor_agents.calendars.endpoints import router as calendars_router
from frontdoor_agents.calendars.feeds import FeedRefresher
from frontdoor_agents.clock import Clock, SystemClock
from frontdoor_agents.hours.endpoints import router as hours_router
from frontdoor_agents.presence.endpoints import router as presence_router
from frontdoor_agents.routing_events import build_router
from frontdoor_agents.seed import seed
from frontdoor_agents.settings import Settings
from frontdoor_agents.workload.endpoints import router as workload_router
from frontdoor_common.bus import topics
from frontdoor_common.service import ConsumerSpec, Runtime, ServiceSpec, build_app

Hook = Callable[[Runtime], Awaitable[None]]


def background(clock: Clock | None = None) -> tuple[list[Hook], list[Hook]]:
    """Start and stop hooks: install the clock, run the availability scheduler and the feed refresher."""

    async def start(runtime: Runtime) -> None:
        runtime.state["clock"] = clock or SystemClock()
        settings: Settings = runtime.settings  # type: ignore[assignment]
        if settings.run_scheduler:
            scheduler = Scheduler(runtime, runtime.state["clock"])
            runtime.state["scheduler"] = scheduler
            await scheduler.start()
            runtime.watch("availability_scheduler", scheduler)
        if settings.run_feed_refresher:
            refresher = FeedRefresher(runtime)
            runtime.state["feeds"] = refresher
            await refresher.start()
            runtime.watch("feed_refresher", refresher)

    async def stop(runtime: Runtime) -> None:
        for name in ("feeds", "scheduler"):
            task = runtime.state.pop(name, None)
            if task is not None:
                await task.stop()

    return [start], [stop]


_START, _STOP = background()

SPEC = ServiceSpec(
    name="agents",
    title="Frontdoor agents: staff, queue memberships, presence, calendars, opening hours",
    description="Part of Frontdoor, the member contact center platform.",
    routers=[
        agents_router,
        presence_router,
        calendars_router,
        availability_router,
        hours_router,
        workload_router,
    ],
    migrations="frontdoor_agents:migrations",
    consumers=[ConsumerSpec(name="routing", topics=[topics.ROUTING], handler=build_router)],
    on_startup=_START,
    on_shutdown=_STOP,
    seed=seed,
)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Build the agents service's app; tests pass a clock they drive."""
    start, stop = background(clock)
    return build_app(settings or Settings(), dataclasses.replace(SPEC, on_startup=start, on_shutdown=stop))
