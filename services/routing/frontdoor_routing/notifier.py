"""Routing's events: rows become snapshots through `snapshot()`, events leave through the outbox.

A mutation builds its events here as the change goes (each snapshot taken at that moment)
and hands them to the notifier at its end: one outbox statement, in the mutation's
transaction, so the state change and its events commit together.

The caller's number is personal data (issue 17): as the events go into the outbox, each call
snapshot's `caller_number` is sealed under the number's own key (`phone_subject`), in the same
transaction, so erasing the number's key makes every copy unreadable. Only the published copy is
sealed: the row, the REST views and the agents' offer streams keep the clear number for staff.
The sealer caches committed keys, so a number already seen costs no statement (one encryption).
`to_number`/`transferred_to_number` are the union's own numbers (a department, an office) and
stay clear.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.events import Event
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.clock import Clock
from frontdoor_common.events import routing as ev
from frontdoor_common.notifier import Notifier, snapshot
from frontdoor_common.privacy.seal import Sealer, is_sealed, phone_subject
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

    def __init__(self, outbox: Outbox, clock: Clock, sealer: Sealer | None = None) -> None:
        super().__init__(outbox, clock)
        self.sealer = sealer  # seals the caller's number in published events (None: left clear)

    def call_event(self, kind: type[CallEventT], call: Call, **fields: Any) -> CallEventT:
        """A call event of `kind` carrying the call's snapshot as of now."""
        return kind(call=call_snapshot(call), **fields)

    def queue_upserted(self, q: Queue) -> ev.QueueUpserted:
        """The event announcing a queue's current settings."""
        return ev.QueueUpserted(queue=queue_snapshot(q))

    async def publish_all(self, session: AsyncSession, events: list[ev.RoutingEvent], *, tenant: str) -> None:
        """Add a mutation's events, in order, in its transaction (one statement)."""
        if events:
            await self.publish_many(session, await self._sealed(session, events, tenant), tenant=tenant)

    async def _sealed(self, session: AsyncSession, events: list[ev.RoutingEvent], tenant: str) -> list[Event]:
        """The events with each call's `caller_number` sealed (one sealed string per number per
        change: the events of one call in one change carry the same value)."""
        if self.sealer is None:
            return list(events)
        sealed: dict[str, str | None] = {}
        out: list[Event] = []
        for event in events:
            number = event.call.caller_number if isinstance(event, ev.CallEvent) else None
            if number is None or is_sealed(number):
                out.append(event)
                continue
            if number not in sealed:
                sealed[number] = await self.sealer.seal(session, tenant, phone_subject(number), number)
            assert isinstance(event, ev.CallEvent)
            call = event.call.model_copy(update={"caller_number": sealed[number]})
            out.append(event.model_copy(update={"call": call}))
        return out
