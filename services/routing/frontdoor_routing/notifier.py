"""Routing's events: rows become snapshots through `snapshot()`, events leave through the outbox.

A mutation builds its events here as the change goes (each snapshot taken at that moment)
and hands them to the notifier at its end: one outbox statement, in the mutation's
transaction, so the state change and its events commit together.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events import routing as ev
from frontdoor_common.notifier import Notifier, snapshot
from frontdoor_routing.models import Call, Queue

CallEventT = TypeVar("CallEventT", bound=ev.CallEvent)


def call_snapshot(call: Call) -> ev.CallSnapshot:
    """The event/API snapshot of a call row (the figures the row does not hold are derived)."""
    wait = None
    if call.answered_at is not None:
        wait = (call.answered_at - call.arrived_at).total_seconds()
    elif call.abandoned_at is not None:
        wait = (call.abandoned_at - call.arrived_at).total_seconds()
    target = call.service_level_seconds
    within = None
    if call.answered_at is not None and target is not None and wait is not None:
        within = wait <= target
    return snapshot(
        ev.CallSnapshot,
        call,
        call_id=call.id,
        wait_seconds=wait,
        talk_seconds=call.talk_seconds if call.answered_at else None,
        wrapup_seconds=call.wrapup_seconds if call.completed_at else None,
        transferred=call.transfers > 0 or call.transferred_out,
        within_service_level=within,
    )


def queue_snapshot(q: Queue) -> ev.QueueSnapshot:
    """The event snapshot of a queue's settings."""
    return snapshot(ev.QueueSnapshot, q, queue_id=q.id)


class RoutingNotifier(Notifier):
    """Routing's events: built from rows here, published in the caller's transaction."""

    def call_event(self, kind: type[CallEventT], call: Call, **fields: Any) -> CallEventT:
        """A call event of `kind` carrying the call's snapshot as of now."""
        return kind(call=call_snapshot(call), **fields)

    def queue_upserted(self, q: Queue) -> ev.QueueUpserted:
        """The event announcing a queue's current settings."""
        return ev.QueueUpserted(queue=queue_snapshot(q))

    async def publish_all(self, session: AsyncSession, events: list[ev.RoutingEvent], *, tenant: str) -> None:
        """Add a mutation's events, in order, in its transaction (one statement)."""
        if events:
            await self.publish_many(session, list(events), tenant=tenant)
