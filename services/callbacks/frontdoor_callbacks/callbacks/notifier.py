"""Publishes the callback events through the outbox (in the caller's transaction)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.callbacks.models import Callback
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.events.callbacks import (
    CallbackAtRisk,
    CallbackAttempted,
    CallbackCancelled,
    CallbackCompleted,
    CallbackDispatched,
    CallbackExpired,
    CallbackReprioritised,
    CallbackRequested,
    CallbackSnapshot,
)


def snapshot(cb: Callback, *, arrived_at: datetime | None = None) -> CallbackSnapshot:
    """The event snapshot of a callback (`arrived_at` overrides the ordering time for a dispatch)."""
    return CallbackSnapshot(
        callback_id=cb.id,
        tenant_id=cb.tenant_id,
        number=cb.number,
        member_id=cb.member_id,
        queue_id=cb.queue_id,
        agent_id=cb.agent_id,
        source=cb.source,  # type: ignore[arg-type]
        reason=cb.reason,
        window_start=cb.window_start,
        window_end=cb.window_end,
        deadline=cb.deadline,
        status=cb.status,  # type: ignore[arg-type]
        attempts=cb.attempts,
        max_attempts=cb.max_attempts,
        priority=cb.priority,
        original_call_id=cb.original_call_id,
        original_arrived_at=arrived_at or cb.original_arrived_at,
        requested_at=cb.requested_at,
        due_at=cb.due_at,
        at_risk=cb.at_risk,
        dispatches=cb.dispatches,
        last_outcome=cb.last_outcome,  # type: ignore[arg-type]
        closed_at=cb.closed_at,
        closed_reason=cb.closed_reason,  # type: ignore[arg-type]
        requests=cb.requests,
    )


class CallbackNotifier:
    """One method per event; each writes an outbox row in the session's transaction."""

    def __init__(self, outbox: Outbox, session: AsyncSession) -> None:
        self.outbox = outbox
        self.session = session

    async def _add(self, event: Any, cb: Callback) -> None:
        await self.outbox.add(self.session, event, tenant=cb.tenant_id)

    async def requested(self, cb: Callback, *, updated: bool) -> None:
        """A callback was requested (or an open one updated by a second request)."""
        await self._add(CallbackRequested(callback=snapshot(cb), updated=updated), cb)

    async def dispatched(self, cb: Callback, *, arrived_at: datetime) -> None:
        """Handed to routing as a task."""
        await self._add(CallbackDispatched(callback=snapshot(cb, arrived_at=arrived_at), attempt=cb.dispatches), cb)

    async def attempted(
        self, cb: Callback, *, outcome: str, agent_id: uuid.UUID | None, number: int, recorded_by: str
    ) -> None:
        """An attempt was recorded."""
        event = CallbackAttempted(
            callback=snapshot(cb),
            outcome=outcome,  # type: ignore[arg-type]
            agent_id=agent_id,
            attempt=number,
            recorded_by=recorded_by,  # type: ignore[arg-type]
            next_due_at=cb.due_at if cb.status == "scheduled" else None,
        )
        await self._add(event, cb)

    async def completed(self, cb: Callback, *, agent_id: uuid.UUID | None) -> None:
        """The member was reached."""
        await self._add(CallbackCompleted(callback=snapshot(cb), agent_id=agent_id), cb)

    async def expired(self, cb: Callback) -> None:
        """Closed without reaching the member (expired, or failed on a wrong number)."""
        await self._add(CallbackExpired(callback=snapshot(cb), reason=cb.closed_reason or "window_passed"), cb)  # type: ignore[arg-type]

    async def at_risk(self, cb: Callback, *, seconds_left: float | None, reason: str) -> None:
        """Flag the team: the deadline may be missed."""
        await self._add(CallbackAtRisk(callback=snapshot(cb), seconds_left=seconds_left, reason=reason), cb)  # type: ignore[arg-type]

    async def cancelled(self, cb: Callback, *, reason: str | None) -> None:
        """Withdrawn: routing drops the task if it holds one."""
        await self._add(CallbackCancelled(callback=snapshot(cb), reason=reason), cb)

    async def reprioritised(self, cb: Callback) -> None:
        """A dispatched callback's priority rose."""
        await self._add(CallbackReprioritised(callback=snapshot(cb), attempt=cb.dispatches), cb)
