"""The routing service's composition root: its parts, built once per process in the lifespan.

`builder(settings, clock)` is what `ServiceSpec.parts` runs: it wires the notifier (outbox and
clock), the engine, the HTTP client to the other services and the workers (the engine's
timers, identification retries, the reconcile with the agents service). The workers whose
work must wait until clients can reach the API (loading a tenant re-offers its waiting calls)
wait for `runtime.serving` themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

import httpx
from fastapi import Depends

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.service import Parts, Runtime, parts_dependency
from frontdoor_common.workers import Worker
from frontdoor_routing.agents.reconcile import ReconcileWorker
from frontdoor_routing.calls.identification import Retrier
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.engine.timers import TimerWorker
from frontdoor_routing.notifier import RoutingNotifier
from frontdoor_routing.settings import Settings


@dataclass(kw_only=True)
class RoutingContext(Parts):
    """What routing is built of."""

    runtime: Runtime
    settings: Settings
    clock: Clock
    notifier: RoutingNotifier
    engine: Engine
    http: httpx.AsyncClient  # to the members and agents services
    identification: Retrier
    workers: list[Worker] = field(default_factory=list)

    @property
    def db(self) -> Database:
        """The service's database."""
        return self.runtime.db

    async def close(self) -> None:
        """Close the HTTP client (the workers are stopped by then)."""
        await self.http.aclose()


def build(runtime: Runtime, settings: Settings, clock: Clock) -> RoutingContext:
    """Wire routing's parts on a runtime (its database, outbox, metrics and `serving` event)."""
    notifier = RoutingNotifier(runtime.outbox, clock)
    engine = Engine(db=runtime.db, settings=settings, clock=clock, notifier=notifier, registry=runtime.metrics.registry)
    http = httpx.AsyncClient(limits=httpx.Limits(max_connections=100))
    identification = Retrier(engine, http, settings, clock, runtime.serving)
    return RoutingContext(
        runtime=runtime,
        settings=settings,
        clock=clock,
        notifier=notifier,
        engine=engine,
        http=http,
        identification=identification,
        workers=[
            TimerWorker(engine, clock, runtime.serving),
            identification,
            ReconcileWorker(engine, http, settings, clock, runtime.serving),
        ],
    )


def builder(settings: Settings, clock: Clock) -> Callable[[Runtime], Awaitable[RoutingContext]]:
    """The `ServiceSpec.parts` of routing: its context, built in the lifespan."""

    async def parts(runtime: Runtime) -> RoutingContext:
        return build(runtime, settings, clock)

    return parts


ContextDep = Annotated[RoutingContext, Depends(parts_dependency(RoutingContext))]
