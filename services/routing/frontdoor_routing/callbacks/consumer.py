"""The callbacks service's events routing acts on: a callback dispatched, cancelled or expired."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events import callbacks as callback_events
from frontdoor_routing.callbacks.service import close_callback_task, dispatch_callback
from frontdoor_routing.engine.engine import Engine


def register(router: EventRouter, engine: Engine) -> None:
    """Handle dispatched and closed callbacks (only the envelope's own tenant)."""

    @router.on(callback_events.CallbackDispatched.name)
    async def dispatched(session: AsyncSession, envelope: Envelope) -> None:
        event = callback_events.CallbackDispatched.model_validate(envelope.data)
        if event.callback.tenant_id == envelope.tenant:
            await dispatch_callback(engine.mutation_in(session), event)

    @router.on(callback_events.CallbackCancelled.name)
    @router.on(callback_events.CallbackExpired.name)
    async def closed(session: AsyncSession, envelope: Envelope) -> None:
        event = callback_events.CallbackEvent.model_validate(envelope.data)
        if event.callback.tenant_id == envelope.tenant:
            await close_callback_task(engine.mutation_in(session), event.callback.callback_id)
