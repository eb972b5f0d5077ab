"""One background task that owns every time-driven change of a callback.

Each tick: reschedule callbacks whose opening hours changed (asking for hours outside any
transaction), then in one transaction expire what passed its window or deadline, raise
priorities and at-risk flags, and dispatch what is due. A dispatch is a status change and
an outbox row in the same transaction: it reaches routing once the relay can publish,
however long routing or the broker is away, and a restarted dispatcher finds the callback
already dispatched. Rows are locked with SKIP LOCKED (PostgreSQL) and SQLite serialises
writers, so two dispatchers never hand out the same due callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from frontdoor_callbacks.callbacks import lifecycle
from frontdoor_callbacks.callbacks.models import Callback
from frontdoor_callbacks.callbacks.notifier import CallbackNotifier
from frontdoor_callbacks.callbacks.repository import CallbackRepository
from frontdoor_callbacks.context import CallbacksContext
from frontdoor_callbacks.scheduling import dispatch_arrival, expiry_reason
from frontdoor_common.logging import get_logger

log = get_logger(__name__)


@dataclass
class TickResult:
    """What one tick did (callback ids)."""

    dispatched: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    at_risk: list[str] = field(default_factory=list)
    rescheduled: list[str] = field(default_factory=list)


class Dispatcher:
    """Runs `tick()` every `dispatcher_interval_s`, or sooner when woken."""

    def __init__(self, ctx: CallbacksContext) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one tick at a time in this process
        self.ticks = 0
        self.healthy = True

    def wake(self) -> None:
        """Tick soon (a request just committed something that may be due)."""
        self._wake.set()

    async def start(self) -> None:
        """Start the loop (no loop when the interval is 0: the caller ticks)."""
        if self.settings.dispatcher_interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="callbacks-dispatcher")

    async def stop(self) -> None:
        """Stop the loop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.dispatcher_interval_s)
            self._wake.clear()
            try:
                await self.tick()
                self.healthy = True
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a database hiccup: try again next tick
                self.healthy = False
                log.warning("dispatcher tick failed", error=str(exc), error_type=type(exc).__name__)

    async def tick(self) -> TickResult:
        """One pass over the time-driven changes, at the clock's now."""
        async with self._lock:
            waited = time.perf_counter()
            result = TickResult()
            await self._reschedule(result)
            now = self.ctx.clock.now()
            async with self.ctx.db.transaction() as session:
                repo = CallbackRepository(session)
                notifier = CallbackNotifier(self.ctx.outbox, session)
                await self._expire(repo, notifier, now, result)
                await self._deadlines(repo, notifier, now, result)
                await self._dispatch(repo, notifier, now, result)
            self.ticks += 1
            if result.dispatched or result.expired:
                log.info(
                    "dispatcher tick",
                    dispatched=len(result.dispatched),
                    expired=len(result.expired),
                    seconds=round(time.perf_counter() - waited, 4),
                )
            return result

    async def _reschedule(self, result: TickResult) -> None:
        batch = self.settings.dispatcher_batch_size
        async with self.ctx.db.transaction() as session:
            flagged = [
                (c.id, c.tenant_id, c.queue_id) for c in await CallbackRepository(session).needing_reschedule(batch)
            ]
        for callback_id, tenant_id, queue_id in flagged:
            now = self.ctx.clock.now()
            horizon = now + timedelta(hours=self.settings.default_window_hours)
            async with self.ctx.db.transaction() as session:
                peek = await CallbackRepository(session).get(tenant_id, callback_id)
                end = lifecycle.last_moment(peek) if peek is not None else None
            opening = (
                await self.ctx.opening.intervals(tenant_id, queue_id, now, end or horizon)
                if (end or horizon) > now
                else []
            )
            async with self.ctx.db.transaction() as session:
                repo = CallbackRepository(session)
                cb = await repo.get(tenant_id, callback_id, for_update=True)
                if cb is None or not cb.needs_reschedule or cb.status not in ("pending", "scheduled"):
                    continue
                notifier = CallbackNotifier(self.ctx.outbox, session)
                if lifecycle.reschedule(cb, opening, now) is None:
                    # Closed for the rest of the window (a holiday, say): it stays open without a
                    # due time, flagged if a deadline is at stake, until the window or deadline
                    # passes, or the hours change again.
                    await lifecycle.flag_risk(cb, self.settings, notifier, now, no_opening=True)
                result.rescheduled.append(str(cb.id))

    async def _expire(
        self, repo: CallbackRepository, notifier: CallbackNotifier, now: datetime, result: TickResult
    ) -> None:
        for cb in await repo.to_expire(now, self.settings.dispatcher_batch_size):
            reason = expiry_reason(now=now, window_end=cb.window_end, deadline=cb.deadline)
            if reason is None:
                continue
            lifecycle.close(cb, "expired", now, reason)
            await notifier.expired(cb)
            result.expired.append(str(cb.id))

    async def _deadlines(
        self, repo: CallbackRepository, notifier: CallbackNotifier, now: datetime, result: TickResult
    ) -> None:
        for cb in await repo.with_deadline(self.settings.dispatcher_batch_size):
            priority = lifecycle.priority_now(self.settings, cb, now)
            if priority > cb.priority:
                cb.priority = priority
                cb.updated_at = now
                if cb.status == "dispatched":
                    await notifier.reprioritised(cb)
            was = cb.at_risk
            await lifecycle.flag_risk(cb, self.settings, notifier, now)
            if cb.at_risk and not was:
                result.at_risk.append(str(cb.id))

    async def _dispatch(
        self, repo: CallbackRepository, notifier: CallbackNotifier, now: datetime, result: TickResult
    ) -> None:
        for cb in await repo.due_for_dispatch(now, self.settings.dispatcher_batch_size):
            if expiry_reason(now=now, window_end=cb.window_end, deadline=cb.deadline) is not None:
                continue  # expired above (or next tick): never dispatched after its deadline
            await self._dispatch_one(cb, notifier, now)
            result.dispatched.append(str(cb.id))

    async def _dispatch_one(self, cb: Callback, notifier: CallbackNotifier, now: datetime) -> None:
        assert cb.due_at is not None
        cb.dispatches += 1
        cb.status = "dispatched"
        cb.dispatched_at = now
        cb.routing_call_id = None
        cb.answered_at = None
        cb.priority = max(cb.priority, lifecycle.priority_now(self.settings, cb, now))
        cb.updated_at = now
        arrival = dispatch_arrival(
            source=cb.source,
            original_arrived_at=cb.original_arrived_at,
            due_at=cb.due_at,
            dispatch_number=cb.dispatches,
        )
        await notifier.dispatched(cb, arrived_at=arrival)
