"""The callbacks service's app factory.

`create_app(settings, clock=..., opening_hours=...)` builds a spec whose consumers, seed and
hooks share one context (settings, clock, opening hours, outbox) made in the lifespan;
nothing is wired at import time.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from frontdoor_callbacks.callbacks.endpoints import router as callbacks_router
from frontdoor_callbacks.clock import Clock, SystemClock
from frontdoor_callbacks.context import CallbacksContext, Overrides, close_opening, ensure_context
from frontdoor_callbacks.dispatcher.service import Dispatcher
from frontdoor_callbacks.opening import consumer as opening_consumer
from frontdoor_callbacks.opening.hours import OpeningHours
from frontdoor_callbacks.queues import consumer as queues_consumer
from frontdoor_callbacks.reports.endpoints import router as reports_router
from frontdoor_callbacks.seed import seed_demo
from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.tracking import consumer as tracking_consumer
from frontdoor_common.bus import topics
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.service import ConsumerSpec, Runtime, ServiceSpec, build_app


def make_spec(overrides: Overrides | None = None) -> ServiceSpec:
    """The service's spec; `overrides` swap the clock and the opening-hours source."""
    ov = overrides or Overrides()

    def events(runtime: Runtime) -> EventRouter:
        ctx = ensure_context(runtime, ov)
        router = EventRouter()
        queues_consumer.register(router)
        tracking_consumer.register(router, ctx)
        opening_consumer.register(router, ctx)
        return router

    async def seed(runtime: Runtime) -> None:
        await seed_demo(ensure_context(runtime, ov))

    async def start_dispatcher(runtime: Runtime) -> None:
        ctx: CallbacksContext = ensure_context(runtime, ov)
        ctx.dispatcher = Dispatcher(ctx)
        await ctx.dispatcher.start()
        if ctx.dispatcher._task is not None:  # no loop when the tests tick it by hand
            runtime.watch("dispatcher", ctx.dispatcher)

    async def stop(runtime: Runtime) -> None:
        ctx = ensure_context(runtime, ov)
        if ctx.dispatcher is not None:
            await ctx.dispatcher.stop()
        result = close_opening(ctx)
        if result is not None:
            await result

    return ServiceSpec(
        name="callbacks",
        title="Frontdoor callbacks: requests, windows, deadlines, attempts",
        description="Part of Frontdoor, the member contact center platform.",
        # The report's fixed path goes before /v1/callbacks/{id}.
        routers=[reports_router, callbacks_router],
        migrations="frontdoor_callbacks:migrations",
        # One consumer (one group, one inbox) for everything this service learns from others:
        # each extra consumer costs a group join at every start.
        consumers=[ConsumerSpec(name="events", topics=[topics.ROUTING, topics.AGENTS], handler=events)],
        on_startup=[start_dispatcher],
        on_shutdown=[stop],
        seed=seed,
    )


SPEC = make_spec()


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    opening_hours: Callable[[Settings], OpeningHours] | None = None,
) -> FastAPI:
    """Build the callbacks service's app."""
    spec = (
        SPEC
        if clock is None and opening_hours is None
        else make_spec(Overrides(clock=clock or SystemClock(), opening_hours=opening_hours))
    )
    return build_app(settings or Settings(), spec)
