"""`agents.opening.changed`: forget cached hours and let the dispatcher reschedule."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.callbacks.repository import CallbackRepository
from frontdoor_callbacks.context import CallbacksContext
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.agents import QueueOpeningChanged


def register(router: EventRouter, ctx: CallbacksContext) -> None:
    """Add the opening-hours handler to the agents-topic consumer."""

    @router.on(QueueOpeningChanged.name)
    async def opening_changed(session: AsyncSession, envelope: Envelope) -> None:
        event: QueueOpeningChanged = QueueOpeningChanged.parse(envelope)
        ctx.opening.invalidate(event.tenant_id, event.queue_id)
        # No call to the agents service here: the dispatcher asks, outside any transaction.
        if await CallbackRepository(session).mark_reschedule(event.tenant_id, event.queue_id):
            ctx.dispatcher.wake()
