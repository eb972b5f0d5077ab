"""One background worker that owns every time-driven change of a callback.

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

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.callbacks import lifecycle
from frontdoor_callbacks.callbacks.models import Callback
from frontdoor_callbacks.callbacks.notifier import CallbackNotifier
from frontdoor_callbacks.callbacks.repository import CallbackRepository
from frontdoor_callbacks.opening.hours import Opening, OpeningHours, opening_for
from frontdoor_callbacks.scheduling import dispatch_arrival, expiry_reason
from frontdoor_callbacks.served.repository import AnsweredCallRepository
from frontdoor_callbacks.served.service import cancel_for_answered
from frontdoor_callbacks.settings import Settings
from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker

log = get_logger(__name__)


@dataclass
class TickResult:
    """What one tick did (callback ids)."""

    dispatched: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    at_risk: list[str] = field(default_factory=list)
    rescheduled: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)


class Dispatcher(TaskWorker):
    """A worker that runs `tick()` every `dispatcher_interval_s`, or sooner when woken.

    With an interval of 0 it never loops (tests tick it by hand). It takes the parts it works
    with, not the service's context: settings, clock, database, notifier and opening hours.
    """

    name = "dispatcher"

    def __init__(
        self,
        *,
        settings: Settings,
        clock: Clock,
        db: Database,
        notifier: CallbackNotifier,
        opening: OpeningHours,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.db = db
        self.notifier = notifier
        self.opening = opening
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()  # one tick at a time in this process
        self.ticks = 0
        self._next_prune = 0.0  # monotonic time of the next pruning of old answered calls

    def wake(self) -> None:
        """Tick soon (a request just committed something that may be due)."""
        self._wake.set()

    async def start(self) -> None:
        """Start the loop (none when the interval is 0: the caller ticks)."""
        if self.settings.dispatcher_interval_s > 0:
            await super().start()

    async def run(self) -> None:
        """Tick every interval (real time: the cadence of polling, not the callbacks' time), or when woken."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.dispatcher_interval_s)
            self._wake.clear()
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a database hiccup: try again next tick
                # The type only: a database error's text carries the statement's parameters (numbers).
                log.warning("dispatcher tick failed", error_type=type(exc).__name__)

    async def tick(self) -> TickResult:
        """One pass over the time-driven changes, at the clock's now."""
        async with self._lock:
            waited = time.perf_counter()
            result = TickResult()
            await self._reschedule(result)
            now = self.clock.now()
            async with self.db.transaction() as session:
                repo = CallbackRepository(session)
                await self._cancel_answered(session, now, result)
                await self._expire(session, repo, now, result)
                await self._deadlines(session, repo, now, result)
                await self._dispatch(session, repo, now, result)
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
        async with self.db.transaction() as session:
            flagged = [
                (c.id, c.tenant_id, c.queue_id, c.needs_reschedule, lifecycle.last_moment(c))
                for c in await CallbackRepository(session).needing_reschedule(batch)
            ]
        for callback_id, tenant_id, queue_id, changed, end in flagged:
            now = self.clock.now()
            horizon = now + timedelta(hours=self.settings.default_window_hours)
            opening = (
                await opening_for(self.opening, tenant_id, queue_id, now, end or horizon)
                if (end or horizon) > now
                else Opening([])
            )
            if not changed and opening.guessed:
                continue  # scheduled on a guess, and the hours are still a guess (no transaction spent)
            async with self.db.transaction() as session:
                repo = CallbackRepository(session)
                cb = await repo.get(tenant_id, callback_id, for_update=True)
                if cb is None or cb.status not in ("pending", "scheduled"):
                    continue
                if not cb.needs_reschedule and not (cb.hours_guessed and not opening.guessed):
                    continue  # scheduled on a guess, and the hours are still a guess: it stays
                cb.hours_guessed = opening.guessed
                if lifecycle.reschedule(cb, opening.intervals, now) is None:
                    # Closed for the rest of the window (a holiday, say): it stays open without a
                    # due time, flagged if a deadline is at stake, until the window or deadline
                    # passes, or the hours change again.
                    await lifecycle.flag_risk(session, cb, self.settings, self.notifier, now, no_opening=True)
                result.rescheduled.append(str(cb.id))

    async def _cancel_answered(self, session: AsyncSession, now: datetime, result: TickResult) -> None:
        # The consumer cancels them when the answer arrives; this catches a request that
        # committed while the answer was being recorded (neither saw the other).
        answered = AnsweredCallRepository(session)
        for cb in await answered.waiting_callbacks_of_answered_calls(self.settings.dispatcher_batch_size):
            await cancel_for_answered(session, cb, self.notifier, now)
            result.cancelled.append(str(cb.id))
        if time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + 60
            await answered.forget_before(now - timedelta(hours=self.settings.answered_call_retention_h))

    async def _expire(self, session: AsyncSession, repo: CallbackRepository, now: datetime, result: TickResult) -> None:
        for cb in await repo.to_expire(now, self.settings.dispatcher_batch_size):
            reason = expiry_reason(now=now, window_end=cb.window_end, deadline=cb.deadline)
            if reason is None:
                continue
            lifecycle.close(cb, "expired", now, reason)
            await self.notifier.expired(session, cb, reason=reason)
            result.expired.append(str(cb.id))

    async def _deadlines(
        self, session: AsyncSession, repo: CallbackRepository, now: datetime, result: TickResult
    ) -> None:
        for cb in await repo.with_deadline(self.settings.dispatcher_batch_size):
            priority = lifecycle.priority_now(self.settings, cb, now)
            if priority > cb.priority:
                cb.priority = priority
                cb.updated_at = now
                if cb.status == "dispatched":
                    await self.notifier.reprioritised(session, cb)
            was = cb.at_risk
            await lifecycle.flag_risk(session, cb, self.settings, self.notifier, now)
            if cb.at_risk and not was:
                result.at_risk.append(str(cb.id))

    async def _dispatch(
        self, session: AsyncSession, repo: CallbackRepository, now: datetime, result: TickResult
    ) -> None:
        for cb in await repo.due_for_dispatch(now, self.settings.dispatcher_batch_size):
            if expiry_reason(now=now, window_end=cb.window_end, deadline=cb.deadline) is not None:
                continue  # expired above (or next tick): never dispatched after its deadline
            await self._dispatch_one(session, cb, now)
            result.dispatched.append(str(cb.id))

    async def _dispatch_one(self, session: AsyncSession, cb: Callback, now: datetime) -> None:
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
        await self.notifier.dispatched(session, cb, arrived_at=arrival)
