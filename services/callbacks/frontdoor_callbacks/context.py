"""The callbacks service's composition root: its typed parts, built once per process.

`builder(settings, clock, opening_hours=...)` returns what the service spec's `parts` runs in
the lifespan (after the database, the bus and the relay): settings, clock, the opening-hours
source, the reference checker, the notifier and the dispatcher, each wired by constructor.
Routes reach them through `ContextDep`; consumers and the seed are handed them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends

from frontdoor_callbacks.callbacks.notifier import CallbackNotifier
from frontdoor_callbacks.dispatcher.service import Dispatcher
from frontdoor_callbacks.opening.hours import HttpOpeningHours, OpeningHours, StaticOpeningHours
from frontdoor_callbacks.references.checks import ReferenceChecker
from frontdoor_callbacks.settings import Settings
from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.service import Parts, Runtime, parts_dependency
from frontdoor_common.workers import Worker


@dataclass(kw_only=True)
class CallbacksContext(Parts):
    """What the callbacks service is built of."""

    runtime: Runtime
    settings: Settings
    clock: Clock
    opening: OpeningHours
    references: ReferenceChecker
    notifier: CallbackNotifier
    dispatcher: Dispatcher
    workers: list[Worker] = field(default_factory=list)

    @property
    def db(self) -> Database:
        """The service's database."""
        return self.runtime.db

    async def close(self) -> None:
        """Close the HTTP clients to the other services (the dispatcher is already stopped)."""
        await self.opening.close()
        await self.references.close()


def builder(
    settings: Settings, clock: Clock, *, opening_hours: OpeningHours | None = None
) -> Callable[[Runtime], Awaitable[CallbacksContext]]:
    """The spec's `parts`: the context on the runtime's database and outbox.

    `opening_hours` replaces the opening-hours source (tests); by default it is the agents
    service when `agents_url` is set, else the static default hours.
    """

    async def build(runtime: Runtime) -> CallbacksContext:
        opening: OpeningHours
        if opening_hours is not None:
            opening = opening_hours
        elif settings.agents_url:
            opening = HttpOpeningHours(settings, clock=clock, db=runtime.db)
        else:
            opening = StaticOpeningHours(settings)
        assert runtime.sealer is not None  # built before the parts
        notifier = CallbackNotifier(runtime.outbox, clock, runtime.sealer)
        dispatcher = Dispatcher(settings=settings, clock=clock, db=runtime.db, notifier=notifier, opening=opening)
        return CallbacksContext(
            runtime=runtime,
            settings=settings,
            clock=clock,
            opening=opening,
            references=ReferenceChecker(settings, runtime.db, clock),
            notifier=notifier,
            dispatcher=dispatcher,
            # An interval of 0 means no loop (tests tick by hand): nothing for /readyz to watch.
            workers=[dispatcher] if settings.dispatcher_interval_s > 0 else [],
        )

    return build


ContextDep = Annotated[CallbacksContext, Depends(parts_dependency(CallbacksContext))]
