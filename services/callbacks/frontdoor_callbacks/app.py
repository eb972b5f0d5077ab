"""The callbacks service's app factory.

`create_app(settings, clock=..., opening_hours=...)` builds the service spec around the
composition root (`context.builder`): the lifespan builds the context once, seeds, starts the
dispatcher and the consumer; nothing is wired at import time.
"""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_callbacks.callbacks.endpoints import router as callbacks_router
from frontdoor_callbacks.context import CallbacksContext, builder
from frontdoor_callbacks.opening import consumer as opening_consumer
from frontdoor_callbacks.opening.hours import OpeningHours
from frontdoor_callbacks.personal_data import privacy_spec
from frontdoor_callbacks.queues import consumer as queues_consumer
from frontdoor_callbacks.references import consumer as references_consumer
from frontdoor_callbacks.reports.endpoints import router as reports_router
from frontdoor_callbacks.seed import seed_demo
from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.tenants import consumer as tenants_consumer
from frontdoor_callbacks.tracking import consumer as tracking_consumer
from frontdoor_common.bus import topics
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.clock import Clock, SystemClock
from frontdoor_common.service import ConsumerSpec, ServiceSpec, build_app


def events(ctx: CallbacksContext) -> EventRouter:
    """The one consumer's handlers: what this service learns from routing, agents and members."""
    router = EventRouter()
    queues_consumer.register(router)
    tracking_consumer.register(router, ctx)
    opening_consumer.register(router, ctx)
    references_consumer.register(router)
    tenants_consumer.register(router)
    return router


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    opening_hours: OpeningHours | None = None,
) -> FastAPI:
    """Build the callbacks service's app; `clock` and `opening_hours` replace the real ones (tests)."""
    settings = settings or Settings()
    spec = ServiceSpec[CallbacksContext](
        name="callbacks",
        title="Frontdoor callbacks: requests, windows, deadlines, attempts",
        description="Part of Frontdoor, the member contact center platform.",
        # The report's fixed path goes before /v1/callbacks/{id}.
        routers=[reports_router, callbacks_router],
        migrations="frontdoor_callbacks:migrations",
        parts=builder(settings, clock or SystemClock(), opening_hours=opening_hours),
        # One consumer (one group, one inbox) for everything this service learns from others:
        # each extra consumer costs a group join at every start.
        consumers=[ConsumerSpec("events", [topics.ROUTING, topics.AGENTS, topics.MEMBERS], events)],
        seed=seed_demo,
        # Access, erasure and retention of a member's callbacks (hooks in `personal_data`).
        privacy=privacy_spec(),
    )
    return build_app(settings, spec)
