"""The routing service's composition root: its parts, built once per process in the lifespan.

`builder(settings, clock)` is what `ServiceSpec.parts` runs: it wires the notifier (outbox and
clock), the engine, the HTTP client to the other services and the workers (the engine's
timers, identification retries, the reconcile with the agents service). The workers whose
work must wait until clients can reach the API (loading a tenant re-offers its waiting calls)
wait for `runtime.serving` themselves. `start()` takes the shard's fencing epoch before
anything else touches routing state; when a newer process fences this one, `stop_process`
(given by the app factory) ends it, after the consumers have left their groups.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from frontdoor_routing.engine.fencing import LeaseWorker
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
    # Ends the process once fenced (the app factory's; tests observe it).
    stop_process: Callable[[], None] | None = None
    _stopping: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        """Take the shard's fencing epoch: before the seed, the workers and the consumers change anything."""
        await self.engine.start()

    def fenced(self) -> None:
        """A newer process took the shard: the consumers leave their groups, then the process stops."""
        task = asyncio.get_running_loop().create_task(self._stop_fenced(), name="routing-fenced-stop")
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    async def _stop_fenced(self) -> None:
        # A consumer whose handler keeps failing would dead-letter the event (and mark it handled
        # in the shared inbox, hiding it from the new owner): stop them before their retries run
        # out; the event stays uncommitted and the new owner's group member handles it.
        for consumer in list(self.runtime.consumers):
            with contextlib.suppress(Exception):
                await consumer.stop()
        if self.stop_process is not None:
            self.stop_process()

    @property
    def db(self) -> Database:
        """The service's database."""
        return self.runtime.db

    async def close(self) -> None:
        """Close the HTTP client (the workers are stopped by then)."""
        await self.http.aclose()


def build(
    runtime: Runtime, settings: Settings, clock: Clock, stop_process: Callable[[], None] | None = None
) -> RoutingContext:
    """Wire routing's parts on a runtime (its database, outbox, metrics and `serving` event)."""
    if runtime.sealer is not None:  # only this shard's owner erases its tenants' keys (settings.seal_cache_s)
        runtime.sealer.cache_s = settings.seal_cache_s
    notifier = RoutingNotifier(runtime.outbox, clock, runtime.sealer)
    engine = Engine(db=runtime.db, settings=settings, clock=clock, notifier=notifier, registry=runtime.metrics.registry)
    http = httpx.AsyncClient(limits=httpx.Limits(max_connections=100))
    identification = Retrier(engine, http, settings, clock, runtime.serving)
    context = RoutingContext(
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
            LeaseWorker(engine.lease),
        ],
        stop_process=stop_process,
    )
    engine.on_fenced = context.fenced
    return context


def builder(
    settings: Settings, clock: Clock, stop_process: Callable[[], None] | None = None
) -> Callable[[Runtime], Awaitable[RoutingContext]]:
    """The `ServiceSpec.parts` of routing: its context, built in the lifespan."""

    async def parts(runtime: Runtime) -> RoutingContext:
        return build(runtime, settings, clock, stop_process)

    return parts


ContextDep = Annotated[RoutingContext, Depends(parts_dependency(RoutingContext))]
