"""The callback events, published through the outbox in the caller's transaction.

`CallbackNotifier` is built once, in the composition root, with the outbox, the clock and the
service's sealer; each method takes the session of the unit of work the event belongs to.

Personal fields leave sealed (issue 17, crypto-shredding): `callback.number` under the number's
key (`phone_subject`), the free text (`callback.reason`, a cancellation's reason) under the
member's key when the callback names a member, else under the number's. Erasing the member (and
their numbers) erases those keys, so every copy of the events (broker, outbox, BI) is unreadable.
A callback anonymised by an erasure or by retention has no number and no text: nothing to seal.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.callbacks.models import Callback
from frontdoor_common.bus.events import Event
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.clock import Clock
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
from frontdoor_common.privacy.seal import Sealer, member_subject, phone_subject

RecordedBy = Literal["agent", "routing"]
RiskReason = Literal["deadline_near", "no_opening_before_deadline"]

# Cancellation reasons the service itself writes (not free text: published as they are).
CALL_ANSWERED = "call_answered"  # the call the callback came from was answered
MEMBER_ERASED = "member_erased"  # the member's personal data was erased: nobody may call them
SYSTEM_REASONS = frozenset({CALL_ANSWERED, MEMBER_ERASED})


def callback_snapshot(cb: Callback, *, arrived_at: datetime | None = None) -> CallbackSnapshot:
    """The event snapshot of a callback (`arrived_at` overrides the ordering time for a dispatch)."""
    return snapshot(CallbackSnapshot, cb, callback_id=cb.id, original_arrived_at=arrived_at or cb.original_arrived_at)


def text_subject(cb: Callback) -> str | None:
    """The subject whose key seals the callback's free text: its member's, else its number's."""
    if cb.member_id is not None:
        return member_subject(cb.member_id)
    return phone_subject(cb.number) if cb.number else None


class CallbackNotifier(Notifier):
    """One method per callback event; each adds an outbox row in the session's transaction."""

    def __init__(self, outbox: Outbox, clock: Clock, sealer: Sealer) -> None:
        super().__init__(outbox, clock)
        self.sealer = sealer

    async def _add(self, session: AsyncSession, event: Event, cb: Callback) -> None:
        await self.publish(session, event, tenant=cb.tenant_id)

    async def _snapshot(
        self, session: AsyncSession, cb: Callback, *, arrived_at: datetime | None = None
    ) -> CallbackSnapshot:
        """The event snapshot with its personal fields sealed."""
        snap = callback_snapshot(cb, arrived_at=arrived_at)
        number = snap.number
        if number:
            number = await self.sealer.seal(session, cb.tenant_id, phone_subject(cb.number), cb.number) or ""
        return snap.model_copy(update={"number": number, "reason": await self._seal_text(session, cb, snap.reason)})

    async def _seal_text(self, session: AsyncSession, cb: Callback, text: str | None) -> str | None:
        subject = text_subject(cb)
        if text is None or subject is None:  # an anonymised callback (no member, no number) publishes no text
            return None
        return await self.sealer.seal(session, cb.tenant_id, subject, text)

    async def requested(self, session: AsyncSession, cb: Callback, *, updated: bool) -> None:
        """A callback was requested (or an open one updated by a second request)."""
        await self._add(session, CallbackRequested(callback=await self._snapshot(session, cb), updated=updated), cb)

    async def dispatched(self, session: AsyncSession, cb: Callback, *, arrived_at: datetime) -> None:
        """Handed to routing as a task."""
        event = CallbackDispatched(
            callback=await self._snapshot(session, cb, arrived_at=arrived_at), attempt=cb.dispatches
        )
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
            callback=await self._snapshot(session, cb),
            outcome=outcome,
            agent_id=agent_id,
            attempt=number,
            recorded_by=recorded_by,
            next_due_at=cb.due_at if cb.status == "scheduled" else None,
        )
        await self._add(session, event, cb)

    async def completed(self, session: AsyncSession, cb: Callback, *, agent_id: uuid.UUID | None) -> None:
        """The member was reached."""
        await self._add(session, CallbackCompleted(callback=await self._snapshot(session, cb), agent_id=agent_id), cb)

    async def expired(self, session: AsyncSession, cb: Callback, *, reason: ExpiryReason) -> None:
        """Closed without reaching the member (expired, or failed on a wrong number)."""
        await self._add(session, CallbackExpired(callback=await self._snapshot(session, cb), reason=reason), cb)

    async def at_risk(
        self, session: AsyncSession, cb: Callback, *, seconds_left: float | None, reason: RiskReason
    ) -> None:
        """Flag the team: the deadline may be missed."""
        event = CallbackAtRisk(callback=await self._snapshot(session, cb), seconds_left=seconds_left, reason=reason)
        await self._add(session, event, cb)

    async def cancelled(self, session: AsyncSession, cb: Callback, *, reason: str | None) -> None:
        """Withdrawn: routing drops the task if it holds one."""
        sealed = reason if reason is None or reason in SYSTEM_REASONS else await self._seal_text(session, cb, reason)
        await self._add(session, CallbackCancelled(callback=await self._snapshot(session, cb), reason=sealed), cb)

    async def reprioritised(self, session: AsyncSession, cb: Callback) -> None:
        """A dispatched callback's priority rose."""
        await self._add(
            session, CallbackReprioritised(callback=await self._snapshot(session, cb), attempt=cb.dispatches), cb
        )
