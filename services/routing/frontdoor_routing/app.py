"""The routing service's app factory: `create_app(settings, clock=...)`, nothing wired at import."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from fastapi import FastAPI

from frontdoor_common.clock import Clock, SystemClock
from frontdoor_common.logging import get_logger
from frontdoor_common.service import ConsumerSpec, ServiceSpec, build_app
from frontdoor_routing.calls.endpoints import router as calls_router
from frontdoor_routing.context import RoutingContext, builder
from frontdoor_routing.inputs import INPUT_TOPICS, RoutingInputs
from frontdoor_routing.offers.endpoints import router as offers_router
from frontdoor_routing.planning.endpoints import router as staffing_router
from frontdoor_routing.privacy import privacy_spec
from frontdoor_routing.queues.endpoints import router as queues_router
from frontdoor_routing.seed import seed_demo
from frontdoor_routing.settings import Settings
from frontdoor_routing.stats.endpoints import router as stats_router
from frontdoor_routing.tasks.endpoints import router as tasks_router

log = get_logger(__name__)


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, on_fenced: Callable[[], None] | None = None
) -> FastAPI:
    """Build the routing service's app; `clock` moves the engine's time (tests: a `ManualClock`).

    `on_fenced` stops the process once a newer one took its shard (default: the server's own
    graceful shutdown, SIGTERM, when the app is its process's server; tests pass their own).
    """
    settings = settings or Settings()
    served: list[FastAPI] = []

    def stop_process() -> None:
        if served and getattr(served[0].state, "server_signals_serving", False):
            os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's graceful shutdown, then the process ends
        else:  # in process (tests, tools): the host decides; the app stays not ready and refuses changes
            log.error("routing fenced, but the app does not own its process: not stopping it")

    spec: ServiceSpec[RoutingContext] = ServiceSpec(
        name="routing",
        title="Frontdoor routing: queues, calls, offers, real-time stats and KPIs",
        description=(
            "Queues (IVR digit, language, service level, overflow), the call lifecycle for CTI systems, "
            "offers to agents over server-sent events, real-time queue statistics and KPIs. "
            "A change refused because a newer routing instance took this one's shard answers 503 "
            "`shard_fenced` (nothing of it was done; retry and it reaches the new owner)."
        ),
        routers=[queues_router, calls_router, offers_router, tasks_router, stats_router, staffing_router],
        migrations="frontdoor_routing:migrations",
        parts=builder(settings, clock or SystemClock(), on_fenced or stop_process),
        consumers=[ConsumerSpec("inputs", INPUT_TOPICS, lambda ctx: RoutingInputs(ctx.engine, ctx.runtime.unsealer))],
        seed=seed_demo,
        privacy=privacy_spec(),
    )
    app = build_app(settings, spec)
    served.append(app)
    return app
