"""The agents service's composition root: its typed parts, built once per process in the lifespan.

Routes take `ContextDep`, the `routing` consumer and the seed are built from the context; domain
services never see it: they are given what they need (a session, the notifier, `now`, settings).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.availability.scheduler import Scheduler
from frontdoor_agents.calendars.feeds import Feeds
from frontdoor_agents.calendars.refresher import FeedRefresher
from frontdoor_agents.meetings.notifier import MeetingsNotifier
from frontdoor_agents.notifier import AgentsNotifier
from frontdoor_agents.settings import Settings
from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.privacy.seal import member_subject
from frontdoor_common.service import Parts, Runtime, parts_dependency
from frontdoor_common.workers import Worker


@dataclass(kw_only=True)
class AgentsContext(Parts):
    """Settings, clock, notifiers, feeds, and the two workers (the availability scheduler, the feed refresher)."""

    runtime: Runtime
    settings: Settings
    clock: Clock
    notifier: AgentsNotifier
    meetings: MeetingsNotifier
    feeds: Feeds
    # None when switched off (`AGENTS_RUN_SCHEDULER`, `AGENTS_RUN_FEED_REFRESHER`).
    scheduler: Scheduler | None = None
    refresher: FeedRefresher | None = None
    workers: list[Worker] = field(default_factory=list)

    @property
    def db(self) -> Database:
        """The service's database."""
        return self.runtime.db

    def member_digest(self, tenant: str, member_id: uuid.UUID) -> str:
        """The keyed digest naming the member (as in seal keys and erasure requests): never the id itself."""
        sealer = self.runtime.sealer
        assert sealer is not None, "the sealer is built before the parts"
        return sealer.digest(tenant, member_subject(member_id))

    def wake_scheduler(self) -> None:
        """Have the availability scheduler recompute now."""
        if self.scheduler is not None:
            self.scheduler.wake()

    def wake_scheduler_after_commit(self, session: AsyncSession) -> None:
        """Have the availability scheduler recompute once this transaction has committed."""
        if self.scheduler is not None:
            self.scheduler.wake_after_commit(session)


def builder(settings: Settings, clock: Clock) -> Callable[[Runtime], Awaitable[AgentsContext]]:
    """The lifespan's builder of the context (after the database, the bus and the relay)."""

    async def build(runtime: Runtime) -> AgentsContext:
        notifier = AgentsNotifier(runtime.outbox, clock)
        scheduler = Scheduler(runtime.db, settings, clock, notifier) if settings.run_scheduler else None
        feeds = Feeds(runtime.db, settings, clock, scheduler.wake if scheduler is not None else _nothing)
        refresher = (
            FeedRefresher(feeds, clock, timedelta(seconds=settings.feed_refresh_interval_s))
            if settings.run_feed_refresher
            else None
        )
        return AgentsContext(
            runtime=runtime,
            settings=settings,
            clock=clock,
            notifier=notifier,
            meetings=MeetingsNotifier(runtime.outbox, clock),
            feeds=feeds,
            scheduler=scheduler,
            refresher=refresher,
            # Started in this order, stopped in reverse: the refresher first, then the scheduler.
            workers=[w for w in (scheduler, refresher) if w is not None],
        )

    return build


def _nothing() -> None:
    """No scheduler to wake."""


ContextDep = Annotated[AgentsContext, Depends(parts_dependency(AgentsContext))]
