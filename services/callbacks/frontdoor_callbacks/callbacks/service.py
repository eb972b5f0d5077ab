"""Callback use cases: request (with deduplication), record an attempt, read. Never commits."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.callbacks import lifecycle
from frontdoor_callbacks.callbacks.models import Callback, CallbackAttempt, open_key
from frontdoor_callbacks.callbacks.phones import to_e164
from frontdoor_callbacks.callbacks.repository import CallbackFilter, CallbackRepository
from frontdoor_callbacks.callbacks.schemas import AttemptCreate, CallbackCreate
from frontdoor_callbacks.context import CallbacksContext
from frontdoor_callbacks.opening.hours import Opening, opening_for
from frontdoor_callbacks.queues.repository import QueueRepository
from frontdoor_callbacks.scheduling import effective_end, next_due
from frontdoor_callbacks.served.repository import AnsweredCallRepository
from frontdoor_common.errors import Conflict, InvalidInput, NotFound

# A CTI's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=2)


class CallbackService:
    """The callbacks use cases for one unit of work."""

    def __init__(self, session: AsyncSession, ctx: CallbacksContext) -> None:
        self.session = session
        self.ctx = ctx
        self.settings = ctx.settings
        self.repo = CallbackRepository(session)
        self.notifier = ctx.notifier

    def _wake_dispatcher_after_commit(self) -> None:
        dispatcher = self.ctx.dispatcher
        sa_event.listen(self.session.sync_session, "after_commit", lambda _s: dispatcher.wake(), once=True)

    async def request(self, tenant_id: str, body: CallbackCreate) -> tuple[Callback, bool]:
        """Create a callback, or update the open one for the same number and queue (True when updated)."""
        now = self.ctx.clock.now()
        number = to_e164(body.number, self.settings.region_for(tenant_id))
        if number is None:
            raise InvalidInput(
                f"'{body.number}' is not a valid phone number.", error_id="invalid_number", field="number"
            )
        queue_id = self._queue_for(tenant_id, body)
        self._check_times(body, now)
        # No window end: a deadline closes the window; otherwise the default wait applies.
        window_end = (
            body.window_end
            or body.deadline
            or max(now, body.window_start or now) + timedelta(hours=self.settings.default_window_hours)
        )
        # The queue is checked in a short transaction of its own, and opening hours (from
        # another service) are asked before this unit of work takes any lock.
        async with self.ctx.db.transaction() as peek:
            known = await QueueRepository(peek).get(tenant_id, queue_id) is not None
            # Only a queue callback stands in for its call; an agent may book one during an answered call.
            served = (
                body.source == "queue"
                and body.call_id is not None
                and await AnsweredCallRepository(peek).answered(tenant_id, body.call_id)
            )
        if not known:
            raise InvalidInput("No such queue for this tenant.", error_id="unknown_queue", field="queue_id")
        if served:
            # The caller was served on that call (a CTI retry after the answer, say): nobody calls back.
            raise Conflict(
                "The call was already answered; no callback is needed.",
                error_id="call_already_answered",
                field="call_id",
            )
        # Another tenant's member or agent is refused like any other reference (404 naming the field).
        await self.ctx.references.check(tenant_id, member_id=body.member_id, agent_id=body.agent_id)
        start = max(now, body.window_start or now)
        end = effective_end(window_end, body.deadline) or window_end
        opening = await opening_for(self.ctx.opening, tenant_id, queue_id, start, end) if end > start else Opening([])

        key = open_key(tenant_id, number, queue_id)
        existing = await self.repo.find_open(key)
        if existing is None:
            cb = self._new(tenant_id, body, number, queue_id, window_end, now)
            self._schedule_new(cb, opening, body, now)
            try:
                async with self.session.begin_nested():
                    await self.repo.add(cb)
            except IntegrityError:
                # A concurrent request for the same number and queue won the race: merge into it.
                existing = await self.repo.find_open(key)
                if existing is None:
                    raise
            else:
                await self.notifier.requested(self.session, cb, updated=False)
                await lifecycle.flag_risk(self.session, cb, self.settings, self.notifier, now)
                self._wake_dispatcher_after_commit()
                return cb, False
        await self._merge(existing, body, window_end, opening, now)
        await self.notifier.requested(self.session, existing, updated=True)
        await lifecycle.flag_risk(self.session, existing, self.settings, self.notifier, now)
        self._wake_dispatcher_after_commit()
        return existing, True

    def _queue_for(self, tenant_id: str, body: CallbackCreate) -> uuid.UUID:
        if body.source == "queue":
            if body.queue_id is None:
                raise InvalidInput("A queue callback names its queue.", error_id="queue_required", field="queue_id")
            if body.call_id is None:
                raise InvalidInput("A queue callback names routing's call.", error_id="call_required", field="call_id")
            if body.arrived_at is None:
                raise InvalidInput(
                    "A queue callback carries the call's arrival time.", error_id="arrival_required", field="arrived_at"
                )
        if body.queue_id is not None:
            return body.queue_id
        default = self.settings.default_queues.get(tenant_id)
        if body.agent_id is None or default is None:
            raise InvalidInput(
                "Name a queue (or an agent, when the tenant has a default callback queue).",
                error_id="queue_required",
                field="queue_id",
            )
        return default

    def _check_times(self, body: CallbackCreate, now: datetime) -> None:
        if body.arrived_at is not None and body.arrived_at > now + CLOCK_SKEW:
            raise InvalidInput(
                "The call cannot arrive in the future.", error_id="arrival_in_future", field="arrived_at"
            )
        if body.window_start and body.window_end and body.window_end <= body.window_start:
            raise InvalidInput(
                "The window ends before it starts.", error_id="window_ends_before_start", field="window_end"
            )
        if body.window_end is not None and body.window_end <= now:
            raise InvalidInput("The window is in the past.", error_id="window_in_past", field="window_end")
        if body.deadline is not None and body.deadline <= now:
            raise InvalidInput("The deadline has passed.", error_id="deadline_passed", field="deadline")
        if body.deadline is not None and body.window_start is not None and body.deadline <= body.window_start:
            raise InvalidInput(
                "The deadline comes before the window opens.", error_id="deadline_before_window", field="deadline"
            )

    def _new(
        self,
        tenant_id: str,
        body: CallbackCreate,
        number: str,
        queue_id: uuid.UUID,
        window_end: datetime,
        now: datetime,
    ) -> Callback:
        return Callback(
            tenant_id=tenant_id,
            number=number,
            member_id=body.member_id,
            queue_id=queue_id,
            agent_id=body.agent_id,
            source=body.source,
            reason=body.reason,
            window_start=body.window_start,
            window_end=window_end,
            deadline=body.deadline,
            status="scheduled",
            max_attempts=body.max_attempts or self.settings.default_max_attempts,
            original_call_id=body.call_id,
            original_arrived_at=body.arrived_at,
            requested_at=now,
            updated_at=now,
            not_before=now,
            open_key=open_key(tenant_id, number, queue_id),
        )

    def _schedule_new(self, cb: Callback, opening: Opening, body: CallbackCreate, now: datetime) -> None:
        cb.due_at = next_due(
            not_before=now,
            window_start=cb.window_start,
            window_end=cb.window_end,
            deadline=cb.deadline,
            opening=opening.intervals,
        )
        cb.hours_guessed = opening.guessed
        # Guessed hours never refuse anyone: without a due time it waits for the truth.
        if cb.due_at is None and not opening.guessed:
            by_deadline = cb.deadline is not None and (cb.window_end is None or cb.deadline <= cb.window_end)
            field = "deadline" if by_deadline else ("window_end" if body.window_end else "window_start")
            raise InvalidInput(
                "The queue is not open at any time within the window before it ends.",
                error_id="no_opening_in_window",
                field=field,
            )
        cb.priority = lifecycle.priority_now(self.settings, cb, now)

    async def _merge(
        self, cb: Callback, body: CallbackCreate, window_end: datetime, opening: Opening, now: datetime
    ) -> None:
        cb.requests += 1
        cb.member_id = body.member_id or cb.member_id
        cb.agent_id = body.agent_id or cb.agent_id
        cb.reason = body.reason or cb.reason
        if body.max_attempts is not None:
            cb.max_attempts = max(body.max_attempts, cb.attempts + 1)
        if body.window_start is not None or body.window_end is not None:
            cb.window_start, cb.window_end = body.window_start, window_end
        if body.deadline is not None:
            # A legal deadline never moves later because someone asked again.
            cb.deadline = min(body.deadline, cb.deadline) if cb.deadline else body.deadline
        if body.arrived_at is not None and (cb.original_arrived_at is None or body.arrived_at < cb.original_arrived_at):
            cb.original_arrived_at = body.arrived_at
            cb.original_call_id = body.call_id
            cb.source = "queue"
        cb.updated_at = now
        if cb.status in ("pending", "scheduled"):
            due = next_due(
                not_before=max(cb.not_before, now),
                window_start=cb.window_start,
                window_end=cb.window_end,
                deadline=cb.deadline,
                opening=opening.intervals,
            )
            if due is None and not opening.guessed:
                raise InvalidInput(
                    "The queue is not open at any time within the window before it ends.",
                    error_id="no_opening_in_window",
                    field="deadline" if body.deadline else "window_end",
                )
            cb.due_at = due
            cb.needs_reschedule = False
            cb.hours_guessed = opening.guessed
        cb.priority = max(cb.priority, lifecycle.priority_now(self.settings, cb, now))

    async def record_attempt(
        self, tenant_id: str, callback_id: uuid.UUID, body: AttemptCreate
    ) -> tuple[CallbackAttempt, Callback]:
        """Record an agent's attempt; a retry is scheduled within the window and opening hours."""
        # Peek first, in its own short transaction: the retry needs opening hours from
        # another service, and nobody should wait on that while this one holds locks.
        async with self.ctx.db.transaction() as peek:
            seen = await CallbackRepository(peek).get(tenant_id, callback_id)
        if seen is None:
            raise NotFound("No such callback.", error_id="callback_not_found")
        await self.ctx.references.check(tenant_id, member_id=None, agent_id=body.agent_id)
        opening: Opening | None = None
        now = self.ctx.clock.now()
        if body.outcome not in ("reached", "wrong_number") and seen.status in (
            "pending",
            "scheduled",
            "dispatched",
            "in_progress",
        ):
            horizon = lifecycle.last_moment(seen) or now + timedelta(hours=self.settings.default_window_hours)
            if horizon > now:
                opening = await opening_for(self.ctx.opening, tenant_id, seen.queue_id, now, horizon)
            else:
                opening = Opening([])
        cb = await self.repo.get(tenant_id, callback_id, for_update=True)
        if cb is None:
            raise NotFound("No such callback.", error_id="callback_not_found")
        if not cb.is_open:
            raise Conflict(f"The callback is {cb.status}.", error_id="callback_closed", callback_status=cb.status)
        attempt = await lifecycle.record_attempt(
            self.session,
            cb,
            outcome=body.outcome,
            agent_id=body.agent_id,
            note=body.note,
            recorded_by="agent",
            now=self.ctx.clock.now(),
            settings=self.settings,
            notifier=self.notifier,
            opening=opening.intervals if opening is not None else None,
        )
        if opening is not None and cb.status == "scheduled":
            cb.hours_guessed = opening.guessed
        self._wake_dispatcher_after_commit()
        return attempt, cb

    async def cancel(self, tenant_id: str, callback_id: uuid.UUID, reason: str | None) -> Callback:
        """Withdraw an open callback (409 once it is closed)."""
        cb = await self.repo.get(tenant_id, callback_id, for_update=True)
        if cb is None:
            raise NotFound("No such callback.", error_id="callback_not_found")
        if not cb.is_open:
            raise Conflict(f"The callback is {cb.status}.", error_id="callback_closed", callback_status=cb.status)
        lifecycle.close(cb, "cancelled", self.ctx.clock.now())
        await self.notifier.cancelled(self.session, cb, reason=reason)
        return cb

    async def get(self, tenant_id: str, callback_id: uuid.UUID) -> tuple[Callback, list[CallbackAttempt]]:
        """A callback with its attempts (404 for another tenant's)."""
        cb = await self.repo.get(tenant_id, callback_id)
        if cb is None:
            raise NotFound("No such callback.", error_id="callback_not_found")
        return cb, await self.repo.attempts(cb.id)

    async def search(self, tenant_id: str, f: CallbackFilter, *, limit: int, offset: int) -> tuple[list[Callback], int]:
        """The tenant's callbacks matching a filter."""
        now = self.ctx.clock.now()
        f = self._normalised(tenant_id, f)
        return await self.repo.search(
            tenant_id,
            f,
            now=now,
            overdue_before=now - timedelta(seconds=self.settings.overdue_after_s),
            limit=limit,
            offset=offset,
        )

    def _normalised(self, tenant_id: str, f: CallbackFilter) -> CallbackFilter:
        if f.number is None:
            return f
        number = to_e164(f.number, self.settings.region_for(tenant_id))
        if number is None:
            raise InvalidInput(f"'{f.number}' is not a valid phone number.", error_id="invalid_number", field="number")
        return CallbackFilter(**{**f.__dict__, "number": number})
