"""The routing service's app factory: `create_app(settings, clock=...)`, nothing wired at import."""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_common.clock import Clock, SystemClock
from frontdoor_common.service import ConsumerSpec, ServiceSpec, build_app
from frontdoor_routing.calls.endpoints import router as calls_router
from frontdoor_routing.context import RoutingContext, builder
from frontdoor_routing.inputs import INPUT_TOPICS, RoutingInputs
from frontdoor_routing.offers.endpoints import router as offers_router
from frontdoor_routing.planning.endpoints import router as staffing_router
from frontdoor_routing.queues.endpoints import router as queues_router
from frontdoor_routing.seed import seed_demo
from frontdoor_routing.settings import Settings
from frontdoor_routing.stats.endpoints import router as stats_router


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Build the routing service's app; `clock` moves the engine's time (tests: a `ManualClock`)."""
    settings = settings or Settings()
    spec: ServiceSpec[RoutingContext] = ServiceSpec(
        name="routing",
        title="Frontdoor routing: queues, calls, offers, real-time stats and KPIs",
        description=(
            "Queues (IVR digit, language, service level, overflow), the call lifecycle for CTI systems, "
            "offers to agents over server-sent events, real-time queue statistics and KPIs."
        ),
        routers=[queues_router, calls_router, offers_router, stats_router, staffing_router],
        migrations="frontdoor_routing:migrations",
        parts=builder(settings, clock or SystemClock()),
        consumers=[ConsumerSpec("inputs", INPUT_TOPICS, lambda ctx: RoutingInputs(ctx.engine))],
        seed=seed_demo,
    )
    return build_app(settings, spec)
