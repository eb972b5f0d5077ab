"""The routing service's app factory."""

from __future__ import annotations

import time

import httpx
from fastapi import FastAPI

from frontdoor_common.service import ConsumerSpec, Runtime, ServiceSpec, build_app
from frontdoor_routing.api import calls, offers, queues, stats
from frontdoor_routing.engine import Engine
from frontdoor_routing.inputs import INPUT_TOPICS, RoutingInputs, reconcile_soon
from frontdoor_routing.planning.endpoints import router as staffing_router
from frontdoor_routing.seed import seed_demo
from frontdoor_routing.settings import Settings


async def _start(runtime: Runtime) -> None:
    runtime.state["http"] = httpx.AsyncClient(limits=httpx.Limits(max_connections=100))
    engine = Engine(runtime, clock=runtime.state.get("clock") or time.time)
    runtime.state["engine"] = engine
    await engine.start()
    runtime.watch("routing_timers", engine)


async def _stop(runtime: Runtime) -> None:
    task = runtime.state.get("reconcile")
    if task is not None:
        task.cancel()
    await runtime.state["engine"].stop()
    await runtime.state["http"].aclose()


SPEC = ServiceSpec(
    name="routing",
    title="Frontdoor routing: queues, calls, offers, real-time stats and KPIs",
    description=(
        "Queues (IVR digit, language, service level, overflow), the call lifecycle for CTI systems, "
        "offers to agents over server-sent events, real-time queue statistics and KPIs."
    ),
    routers=[queues.router, calls.router, offers.router, stats.router, staffing_router],
    migrations="frontdoor_routing:migrations",
    consumers=[ConsumerSpec("inputs", INPUT_TOPICS, lambda rt: RoutingInputs(rt.state["engine"]))],
    on_startup=[_start, reconcile_soon],
    on_shutdown=[_stop],
    seed=seed_demo,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the routing service's app."""
    return build_app(settings or Settings(), SPEC)
