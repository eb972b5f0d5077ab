"""The callback events, published through the outbox in the caller's transaction.

`CallbackNotifier` is built once, in the composition root, with the outbox and the clock; each
method takes the session of the unit of work the event belongs to.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.callbacks.models import Callback
from frontdoor_common.bus.events import Event
from frontdoor_common.events.callbacks import (
    AttemptOutcome,
    CallbackAtRisk,
    CallbackAttempted,
    CallbackCancelled,
    CallbackCompleted,
    CallbackDispatched,
    CallbackExpired,
    CallbackReprioritised,
    CallbackRequested,
    CallbackSnapshot,
    ExpiryReason,
)
from frontdoor_common.notifier import Notifier, snapshot

RecordedBy = Literal["agent", "routing"]
RiskReason = Literal["deadline_near", "no_opening_before_deadline"]


def callback_snapshot(cb: Callback, *, arrived_at: datetime | None = None) -> CallbackSnapshot:
    """The event snapshot of a callback (`arrived_at` overrides the ordering time for a dispatch)."""
    return snapshot(CallbackSnapshot, cb, callback_id=cb.id, original_arrived_at=arrived_at or cb.original_arrived_at)


class CallbackNotifier(Notifier):
    """One method per callback event; each adds an outbox row in the session's transaction."""

    async def _add(self, session: AsyncSession, event: Event, cb: Callback) -> None:
        await self.publish(session, event, tenant=cb.tenant_id)

    async def requested(self, session: AsyncSession, cb: Callback, *, updated: bool) -> None:
        """A callback was requested (or an open one updated by a second request)."""
        await self._add(session, CallbackRequested(callback=callback_snapshot(cb), updated=updated), cb)

    async def dispatched(self, session: AsyncSession, cb: Callback, *, arrived_at: datetime) -> None:
        """Handed to routing as a task."""
        event = CallbackDispatched(callback=callback_snapshot(cb, arrived_at=arrived_at), attempt=cb.dispatches)
        await self._add(session, event, cb)

    async def attempted(
        self,
        session: AsyncSession,
        cb: Callback,
        *,
        outcome: AttemptOutcome,
        agent_id: uuid.UUID | None,
        number: int,
        recorded_by: RecordedBy,
    ) -> None:
        """An attempt was recorded."""
        event = CallbackAttempted(
            callback=callback_snapshot(cb),
            outcome=outcome,
            agent_id=agent_id,
            attempt=number,
            recorded_by=recorded_by,
            next_due_at=cb.due_at if cb.status == "scheduled" else None,
        )
        await self._add(session, event, cb)

    async def completed(self, session: AsyncSession, cb: Callback, *, agent_id: uuid.UUID | None) -> None:
        """The member was reached."""
        await self._add(session, CallbackCompleted(callback=callback_snapshot(cb), agent_id=agent_id), cb)

    async def expired(self, session: AsyncSession, cb: Callback, *, reason: ExpiryReason) -> None:
        """Closed without reaching the member (expired, or failed on a wrong number)."""
        await self._add(session, CallbackExpired(callback=callback_snapshot(cb), reason=reason), cb)

    async def at_risk(
        self, session: AsyncSession, cb: Callback, *, seconds_left: float | None, reason: RiskReason
    ) -> None:
        """Flag the team: the deadline may be missed."""
        event = CallbackAtRisk(callback=callback_snapshot(cb), seconds_left=seconds_left, reason=reason)
        await self._add(session, event, cb)

    async def cancelled(self, session: AsyncSession, cb: Callback, *, reason: str | None) -> None:
        """Withdrawn: routing drops the task if it holds one."""
        await self._add(session, CallbackCancelled(callback=callback_snapshot(cb), reason=reason), cb)

    async def reprioritised(self, session: AsyncSession, cb: Callback) -> None:
        """A dispatched callback's priority rose."""
        await self._add(session, CallbackReprioritised(callback=callback_snapshot(cb), attempt=cb.dispatches), cb)
